package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.Sizes;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin user add|passwd|disable|enable|remove|list|quota}. */
@Command(name = "user", description = "Users (mailboxes); the login name is the full address.",
        mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {UserCommands.Add.class, UserCommands.Passwd.class, UserCommands.Disable.class,
                UserCommands.Enable.class, UserCommands.Remove.class, UserCommands.ListUsers.class,
                UserCommands.QuotaCmd.class})
final class UserCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    static void printAccount(AdminCommand a, JsonNode u, String verb) {
        a.print(u, () -> a.out().println(verb + " " + u.path("address").asText()
                + (u.path("enabled").asBoolean(true) ? "" : " (disabled)")
                + ", quota " + Table.limit(u.path("quotaBytes").asLong(), true) + " / "
                + Table.limit(u.path("quotaMessages").asLong(), false) + " messages"));
    }

    /** Quota options; sizes like 500M, 2G, 1024K or bytes. */
    static final class QuotaOptions {
        @Option(names = "--quota", paramLabel = "SIZE", description = "Mailbox size limit: 500M, 2G, ... (0: none).")
        String bytes;

        @Option(names = "--quota-messages", paramLabel = "N", description = "Message count limit (0: none).")
        Long messages;

        void into(ObjectNode n) {
            n.put("quotaBytes", bytes == null ? 0 : size(bytes));
            n.put("quotaMessages", messages == null ? 0 : messages);
        }
    }

    static long size(String s) {
        return Sizes.parse(s);
    }

    @Command(name = "add", description = "Add a user. The password is asked on the terminal, or read from "
            + "standard input with --password-stdin.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        @ArgGroup(exclusive = false)
        QuotaOptions quota = new QuotaOptions();

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String user = AdminCommand.addressPath(address);
                ObjectNode body = PasswordInput.body(a, stdin, user).put("address", user);
                quota.into(body);
                printAccount(a, a.call(c, "POST", "/api/v1/users", Map.of(), body), "added user");
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "passwd", description = "Set a user's password (asked, or --password-stdin).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Passwd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String user = AdminCommand.addressPath(address);
                printAccount(a, a.call(c, "PUT", "/api/v1/users/" + user + "/password", Map.of(),
                        PasswordInput.body(a, stdin, user)),
                        "new password for");
                return ExitCodes.OK;
            });
        }
    }

    abstract static class SetEnabled implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        abstract boolean enabled();

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String user = AdminCommand.addressPath(address);
                JsonNode u = a.call(c, "PUT", "/api/v1/users/" + user + "/enabled", Map.of(),
                        a.mapper().createObjectNode().put("enabled", enabled()));
                printAccount(a, u, enabled() ? "enabled" : "disabled");
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "disable", description = "Refuse the user's logins and new mail (550 5.2.1); keeps the mail.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Disable extends SetEnabled {
        @Override
        boolean enabled() {
            return false;
        }
    }

    @Command(name = "enable", description = "Allow a disabled user again.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Enable extends SetEnabled {
        @Override
        boolean enabled() {
            return true;
        }
    }

    static final class MailChoice {
        @Option(names = "--keep-mail", required = true,
                description = "Keep the user's messages on disk (served again if the user is added back).")
        boolean keep;

        @Option(names = "--delete-mail", required = true, description = "Delete the user's messages.")
        boolean delete;
    }

    @Command(name = "remove", description = "Remove a user; say what happens to the mail: --keep-mail or "
            + "--delete-mail.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        @ArgGroup(exclusive = true, multiplicity = "1")
        MailChoice mail;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String user = AdminCommand.addressPath(address);
                JsonNode n = a.call(c, "DELETE", "/api/v1/users/" + user,
                        Map.of("mail", mail.delete ? "delete" : "keep"), null);
                a.print(n, () -> a.out().println("removed user " + n.path("removed").asText() + " ("
                        + (mail.delete ? "mail deleted" : "mail kept") + ")"));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "list", description = "Users with message count, size and quota.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class ListUsers implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "DOMAIN", description = "Only this domain.")
        String domain;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "GET", "/api/v1/users",
                        domain == null ? Map.of() : Map.of("domain", AdminCommand.domainPath(domain)), null);
                a.print(n, () -> {
                    Table t = Table.of("USER", "STATE", "MESSAGES", "SIZE", "QUOTA", "QUOTA MSGS", "SCHEME");
                    n.forEach(u -> t.row(u.path("address").asText(), u.path("enabled").asBoolean() ? "enabled"
                                    : "disabled", u.path("messages").asLong(), Table.bytes(u.path("octets").asLong()),
                            Table.limit(u.path("quotaBytes").asLong(), true),
                            Table.limit(u.path("quotaMessages").asLong(), false), u.path("scheme").asText()));
                    t.print(a.out());
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "quota", description = "Show or set a user's quota (--quota 2G, --quota-messages 10000; 0 is none).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class QuotaCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ADDRESS")
        String address;

        @ArgGroup(exclusive = false)
        QuotaOptions quota;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String user = AdminCommand.addressPath(address);
                JsonNode u;
                if (quota == null) {
                    u = a.call(c, "GET", "/api/v1/users/" + user, Map.of(), null);
                } else {
                    JsonNode current = a.call(c, "GET", "/api/v1/users/" + user, Map.of(), null);
                    ObjectNode body = a.mapper().createObjectNode();
                    body.put("quotaBytes", quota.bytes == null ? current.path("quotaBytes").asLong() : size(quota.bytes));
                    body.put("quotaMessages", quota.messages == null ? current.path("quotaMessages").asLong()
                            : quota.messages);
                    u = a.call(c, "PUT", "/api/v1/users/" + user + "/quota", Map.of(), body);
                }
                a.print(u, () -> a.out().println(u.path("address").asText() + ": " + u.path("messages").asLong()
                        + " messages, " + Table.bytes(u.path("octets").asLong()) + "; quota "
                        + Table.limit(u.path("quotaBytes").asLong(), true) + " / "
                        + Table.limit(u.path("quotaMessages").asLong(), false) + " messages"));
                return ExitCodes.OK;
            });
        }
    }
}
