package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.AdminApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code admin status}: listeners, spool and index size, free disk per volume, badmail, outbound queue, last backup, version. */
@Command(name = "status", description = "Listeners, spool and index size, free disk on each volume, badmail, outbound queue, last backup, version.",
        exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AdminCommand a = AdminCommand.of(spec);
        return a.run(c -> {
            JsonNode n = a.call(c, "GET", "/api/v1/status", Map.of(), null);
            a.print(n, () -> {
                PrintWriter o = a.out();
                o.println("Postkontor " + n.path("version").asText() + " ("
                        + (n.path("mode").asText().equals("running") ? "running" : "stopped; store opened by this CLI")
                        + ")");
                o.println();
                if (n.path("listeners").isEmpty()) {
                    o.println("Listeners: none (appliance not running)");
                } else {
                    Table t = Table.of("LISTENER", "ADDRESS", "PORT", "TLS");
                    n.path("listeners").forEach(l -> t.row(l.path("name").asText(), l.path("address").asText(),
                            l.path("port").asInt(), l.path("tls").asText()));
                    t.print(o);
                }
                o.println();
                JsonNode s = n.path("store");
                JsonNode d = n.path("freeDisk");
                JsonNode b = n.path("badmail");
                Table t = Table.of("WHAT", "VALUE");
                t.row("domains", n.path("domains").asLong());
                t.row("users", n.path("users").asLong());
                t.row("spool messages", s.path("messages").asLong());
                t.row("spool entries", s.path("entries").asLong());
                t.row("spool size", Table.bytes(s.path("octets").asLong()));
                t.row("index size", Table.bytes(s.path("indexSizeBytes").asLong()));
                t.row("free disk (spool)", Table.bytes(d.path("spool").asLong()));
                t.row("free disk (index)", Table.bytes(d.path("index").asLong()));
                t.row("free disk (badmail)", Table.bytes(d.path("badmail").asLong()));
                t.row("badmail items", b.path("items").asLong());
                t.row("badmail size", Table.bytes(b.path("octets").asLong()));
                t.row("badmail cap", Table.bytes(b.path("maxOctets").asLong()));
                t.row("badmail oldest", ago(b.path("oldestAgeSeconds")));
                JsonNode q = n.path("queue");
                t.row("outbound queue", q.path("messages").asLong() + " message(s), " + Table.bytes(q.path("octets").asLong()));
                t.row("outbound oldest", ago(q.path("oldestAgeSeconds")));
                t.row("last backup", AdminApi.BackupState.describe(n.path("backup")));
                t.print(o);
            });
            return ExitCodes.OK;
        });
    }

    /** "1h2m3s ago", or "-" for null. */
    private static String ago(JsonNode seconds) {
        return seconds.isNull() || seconds.isMissingNode() ? "-"
                : java.time.Duration.ofSeconds(seconds.asLong()).toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                        + " ago";
    }
}
