package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin queue list|show|retry|delete}: the outbound queue. */
@Command(name = "queue", description = "Submitted mail waiting for delivery to other servers.",
        mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {QueueCommands.ListQueue.class, QueueCommands.Show.class, QueueCommands.Retry.class,
                QueueCommands.Delete.class})
final class QueueCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    private static String path(String id) {
        if (id == null || !id.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new IllegalArgumentException("malformed queue id");
        }
        return "/api/v1/queue/" + id;
    }

    /** Pending recipients first, with their attempts. */
    static String pending(JsonNode m) {
        StringBuilder b = new StringBuilder();
        m.path("recipients").forEach(r -> {
            if (r.path("state").asText().equals("pending")) {
                b.append(b.isEmpty() ? "" : ",").append(r.path("address").asText());
            }
        });
        return b.toString();
    }

    @Command(name = "list", description = "Queued messages, oldest first.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class ListQueue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "GET", "/api/v1/queue", Map.of(), null);
                a.print(n, () -> {
                    Table t = Table.of("ID", "ARRIVED", "SIZE", "SENDER", "NEXT ATTEMPT", "PENDING");
                    n.forEach(m -> t.row(m.path("id").asText(), m.path("arrived").asText(),
                            Table.bytes(m.path("octets").asLong()), m.path("sender").asText("<>"),
                            m.path("nextAttempt").asText("-"), pending(m)));
                    t.print(a.out());
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "show", description = "One message's envelope, each recipient's state and last reply, and its"
            + " header.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode m = a.call(c, "GET", path(id), Map.of(), null);
                a.print(m, () -> {
                    PrintWriter o = a.out();
                    o.println("id:       " + m.path("id").asText());
                    o.println("sender:   <" + m.path("sender").asText() + ">");
                    o.println("arrived:  " + m.path("arrived").asText());
                    o.println("size:     " + Table.bytes(m.path("octets").asLong()));
                    o.println("warned:   " + (m.path("warned").asBoolean() ? "yes (the sender was told of the delay)"
                            : "no"));
                    Table t = Table.of("RECIPIENT", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "LAST REPLY");
                    m.path("recipients").forEach(r -> t.row(r.path("address").asText(), r.path("state").asText(),
                            r.path("attempts").asInt(), r.path("state").asText().equals("pending")
                                    ? r.path("nextAttempt").asText() : "-", r.path("lastReply").asText()));
                    t.print(o);
                    o.println();
                    o.print(m.path("header").asText().replace("\r\n", "\n"));
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "retry", description = "Try every pending recipient of the message now.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Retry implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            return act(spec, "POST", id, "/retry", "retry", "retrying ");
        }
    }

    @Command(name = "delete", description = "Remove the message from the queue for good (no bounce is sent).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            return act(spec, "DELETE", id, "", "removed", "deleted ");
        }
    }

    /** One call on a message; prints {@code said} and the reply's {@code field}. */
    private static Integer act(CommandSpec spec, String method, String id, String suffix, String field, String said) {
        AdminCommand a = AdminCommand.of(spec);
        return a.run(c -> {
            JsonNode n = a.call(c, method, path(id) + suffix, Map.of(), null);
            a.print(n, () -> a.out().println(said + n.path(field).asText()));
            return ExitCodes.OK;
        });
    }
}
