package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postkontor.store.WebUsers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin web-user add|passwd|remove|list}: the people who log in to the web admin page. */
@Command(name = "web-user", description = "Admins of the web admin page (not mail users).",
        mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {WebUserCommands.Add.class, WebUserCommands.Passwd.class, WebUserCommands.Remove.class,
                WebUserCommands.ListWebUsers.class})
final class WebUserCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    @Command(name = "add", description = "Add a web admin. The password is asked on the terminal, or read from "
            + "standard input with --password-stdin.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String n = WebUsers.normalize(name);
                JsonNode r = a.call(c, "POST", "/api/v1/web-users", Map.of(),
                        PasswordInput.body(a, stdin, n).put("name", n));
                a.print(r, () -> a.out().println("added web admin " + r.path("name").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "passwd", description = "Set a web admin's password (asked, or --password-stdin).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Passwd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String n = WebUsers.normalize(name);
                JsonNode r = a.call(c, "PUT", "/api/v1/web-users/" + n + "/password", Map.of(),
                        PasswordInput.body(a, stdin, n));
                a.print(r, () -> a.out().println("new password for web admin " + r.path("name").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "remove", description = "Remove a web admin (signed-in sessions end at their next request).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode r = a.call(c, "DELETE", "/api/v1/web-users/" + WebUsers.normalize(name), Map.of(), null);
                a.print(r, () -> a.out().println("removed web admin " + r.path("removed").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "list", description = "Web admins.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class ListWebUsers implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "GET", "/api/v1/web-users", Map.of(), null);
                a.print(n, () -> {
                    Table t = Table.of("NAME", "CREATED");
                    n.forEach(u -> t.row(u.path("name").asText(), u.path("created").asText()));
                    t.print(a.out());
                });
                return ExitCodes.OK;
            });
        }
    }
}
