package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminError;
import org.postkontor.admin.api.ApiInput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin badmail list|show|export|redeliver|delete|purge}. */
@Command(name = "badmail", description = "Mail that was accepted but could not be delivered.",
        mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {BadmailCommands.ListItems.class, BadmailCommands.Show.class, BadmailCommands.Export.class,
                BadmailCommands.Redeliver.class, BadmailCommands.Delete.class, BadmailCommands.Purge.class})
final class BadmailCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    static String recipients(JsonNode item) {
        StringBuilder b = new StringBuilder();
        item.path("envelope").path("recipients").forEach(t -> b.append(b.isEmpty() ? "" : ",").append(t.asText()));
        return b.toString();
    }

    @Command(name = "list", description = "Items, oldest first.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class ListItems implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--reason", paramLabel = "KIND",
                description = "Only this reason: unknown_user, dangling_alias, mailbox_full, mailbox_disabled, "
                        + "store_permanent, loop, spam.")
        String reason;

        @Option(names = "--recipient", paramLabel = "ADDRESS")
        String recipient;

        @Option(names = "--domain", paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--older-than", paramLabel = "AGE", description = "Like 30d, 12h, P7D.")
        String olderThan;

        @Option(names = "--limit", defaultValue = "0", description = "At most this many (0: all).")
        int limit;

        @Option(names = "--offset", defaultValue = "0")
        int offset;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                Map<String, String> q = new HashMap<>();
                if (reason != null) {
                    q.put("kind", reason);
                }
                if (recipient != null) {
                    q.put("recipient", AdminCommand.addressPath(recipient));
                }
                if (domain != null) {
                    q.put("domain", AdminCommand.domainPath(domain));
                }
                if (olderThan != null) {
                    ApiInput.duration(olderThan);
                    q.put("older-than", olderThan);
                }
                q.put("limit", Integer.toString(limit));
                q.put("offset", Integer.toString(offset));
                JsonNode n = a.call(c, "GET", "/api/v1/badmail", q, null);
                a.print(n, () -> {
                    Table t = Table.of("ID", "RECEIVED", "REASON", "SIZE", "SENDER", "RECIPIENTS");
                    n.forEach(i -> t.row(i.path("id").asText(), i.path("envelope").path("received").asText(),
                            i.path("reason").path("kind").asText(), Table.bytes(i.path("octets").asLong()),
                            i.path("envelope").path("sender").asText(), recipients(i)));
                    t.print(a.out());
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "show", description = "One item's envelope and reason.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode i = a.call(c, "GET", "/api/v1/badmail/" + id(id), Map.of(), null);
                a.print(i, () -> {
                    PrintWriter o = a.out();
                    JsonNode e = i.path("envelope");
                    JsonNode r = i.path("reason");
                    o.println("id:         " + i.path("id").asText());
                    o.println("size:       " + Table.bytes(i.path("octets").asLong()));
                    o.println("received:   " + e.path("received").asText() + " from " + e.path("clientAddress").asText()
                            + " (HELO " + e.path("helo").asText() + ")");
                    o.println("sender:     " + e.path("sender").asText());
                    o.println("recipients: " + recipients(i));
                    o.println("reason:     " + r.path("kind").asText() + ": " + r.path("code").asInt() + " "
                            + r.path("enhancedStatus").asText() + " " + r.path("text").asText());
                    o.println("at:         " + r.path("at").asText());
                    o.println();
                    i.path("headers").forEach(h -> o.println(h.path("name").asText() + ": " + h.path("value").asText()));
                });
                return ExitCodes.OK;
            });
        }
    }

    static String id(String id) {
        if (id == null || !id.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new IllegalArgumentException("malformed badmail id");
        }
        return id;
    }

    @Command(name = "export", description = "Write the original message to a file (or - for standard output).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", paramLabel = "FILE", defaultValue = "-")
        String file;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                AdminApi.Reply reply = c.call("GET", "/api/v1/badmail/" + id(id) + "/raw", Map.of(),
                        InputStream.nullInputStream());
                if (!(reply instanceof AdminApi.RawReply raw)) {
                    AdminCommand.expect(reply);
                    throw new AdminError(502, "unexpected", "the admin API sent no message");
                }
                try (InputStream in = raw.stream()) {
                    if (file.equals("-")) {
                        a.out().flush();
                        OutputStream out = System.out;
                        in.transferTo(out);
                        out.flush();
                    } else {
                        Path target = Path.of(file);
                        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".export-", ".tmp");
                        try {
                            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                        } finally {
                            Files.deleteIfExists(tmp);
                        }
                        if (!a.json()) {
                            a.err().println("wrote " + target);
                            a.err().flush();
                        }
                    }
                } catch (IOException e) {
                    throw AdminError.badInput("cannot write " + file + ": " + e.getMessage());
                }
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "redeliver", description = "Deliver an item into local mailboxes (its original recipients, "
            + "or --to); removed from badmail once delivered.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Redeliver implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--to", paramLabel = "ADDRESS", description = "Deliver to this address instead.")
        String to;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                ObjectNode body = a.mapper().createObjectNode();
                if (to != null) {
                    body.put("to", AdminCommand.addressPath(to));
                }
                JsonNode n = a.call(c, "POST", "/api/v1/badmail/" + id(id) + "/redeliver", Map.of(), body);
                a.print(n, () -> {
                    StringBuilder b = new StringBuilder();
                    n.path("to").forEach(t -> b.append(b.isEmpty() ? "" : ", ").append(t.asText()));
                    a.out().println("redelivered " + n.path("redelivered").asText() + " to " + b);
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "delete", description = "Delete one item.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "DELETE", "/api/v1/badmail/" + id(id), Map.of(), null);
                a.print(n, () -> a.out().println("deleted " + n.path("removed").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "purge", description = "Delete items older than an age and/or of one reason.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Purge implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--older-than", paramLabel = "AGE", description = "Like 30d, 12h, P7D.")
        String olderThan;

        @Option(names = "--reason", paramLabel = "KIND", description = "Only items of this reason.")
        String reason;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            if (olderThan == null && reason == null) {
                return a.fail(AdminError.badInput("purge needs --older-than, --reason, or both"));
            }
            return a.run(c -> {
                ObjectNode body = a.mapper().createObjectNode();
                if (olderThan != null) {
                    ApiInput.duration(olderThan);
                    body.put("olderThan", olderThan);
                }
                if (reason != null) {
                    body.put("reason", reason);
                }
                JsonNode n = a.call(c, "POST", "/api/v1/badmail/purge", Map.of(), body);
                a.print(n, () -> a.out().println("purged " + n.path("purged").asLong() + " items"));
                return ExitCodes.OK;
            });
        }
    }
}
