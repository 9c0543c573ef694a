package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.AdminError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin domain add|list|remove|policy|dkim|dns}. */
@Command(name = "domain", description = "Hosted domains.", mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {DomainCommands.Add.class, DomainCommands.ListDomains.class, DomainCommands.Remove.class,
                DomainCommands.Policy.class, DomainCommands.Dkim.class, DomainCommands.Dns.class})
final class DomainCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    @Command(name = "add", description = "Host a domain (mail for it is accepted from now on).",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "POST", "/api/v1/domains", Map.of(),
                        a.mapper().createObjectNode().put("name", domain));
                a.print(n, () -> a.out().println("added domain " + n.path("name").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "list", description = "Hosted domains with their policy and counts.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class ListDomains implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "GET", "/api/v1/domains", Map.of(), null);
                a.print(n, () -> {
                    Table t = Table.of("DOMAIN", "POLICY", "USERS", "ALIASES");
                    n.forEach(d -> t.row(d.path("name").asText(), d.path("policy").asText(), d.path("users").asInt(),
                            d.path("aliases").asInt()));
                    t.print(a.out());
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "remove", description = "Stop hosting a domain. Refused while it has users or aliases, "
            + "unless --force (which removes them; their mail stays on disk and is served again if a user is added "
            + "back).", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--force", description = "Remove the domain with its users and aliases (their mail is kept).")
        boolean force;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "DELETE", "/api/v1/domains/" + AdminCommand.domainPath(domain),
                        force ? Map.of("force", "true") : Map.of(), null);
                a.print(n, () -> a.out().println("removed domain " + n.path("removed").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "policy", description = "What the domain does with mail for unknown local parts: "
            + "reject (550 5.1.1, the default), catch-all <user> (deliver to that user of the domain), or badmail.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Policy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DOMAIN")
        String domain;

        @Parameters(index = "1", paramLabel = "POLICY", description = "reject | catch-all | badmail")
        String policy;

        @Parameters(index = "2", arity = "0..1", paramLabel = "USER",
                description = "For catch-all: the local part (or address) of the user that gets the mail.")
        String user;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            String text;
            switch (policy) {
                case "reject", "badmail" -> {
                    if (user != null) {
                        return a.fail(AdminError.badInput(policy + " takes no user"));
                    }
                    text = policy;
                }
                case "catch-all" -> {
                    if (user == null) {
                        return a.fail(AdminError.badInput("catch-all needs the user that gets the mail"));
                    }
                    String local = user.contains("@") ? user.substring(0, user.lastIndexOf('@')) : user;
                    if (user.contains("@") && !user.substring(user.lastIndexOf('@') + 1).equalsIgnoreCase(domain)) {
                        return a.fail(AdminError.badInput("the catch-all user must be in " + domain));
                    }
                    text = "catch-all:" + local;
                }
                default -> {
                    return a.fail(AdminError.badInput("policy must be reject, catch-all <user> or badmail"));
                }
            }
            return a.run(c -> {
                JsonNode n = a.call(c, "PUT", "/api/v1/domains/" + AdminCommand.domainPath(domain) + "/policy", Map.of(),
                        a.mapper().createObjectNode().put("policy", text));
                a.print(n, () -> a.out().println(n.path("name").asText() + ": " + n.path("policy").asText()));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "dkim", description = "Make the domain's DKIM keys (RSA 2048 and Ed25519): mail from the domain "
            + "is signed with them from now on. Publish their records (admin domain dns) first.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Dkim implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--new", description = "Make new keys even though the domain has some (key rotation: "
                + "publish the new records, keep the old ones a few days).")
        boolean fresh;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "POST", "/api/v1/domains/" + AdminCommand.domainPath(domain) + "/dkim",
                        fresh ? Map.of("new", "true") : Map.of(), null);
                a.print(n, () -> printRecords(a, n));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "dns", description = "The DNS records to publish for the domain: MX, SPF, DKIM, DMARC, "
            + "MTA-STS, TLS reporting, the autoconfig and autodiscover names, and RFC 6186 SRV records, in "
            + "zone-file syntax.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Dns implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "GET", "/api/v1/domains/" + AdminCommand.domainPath(domain) + "/dns",
                        Map.of(), null);
                a.print(n, () -> printRecords(a, n));
                return ExitCodes.OK;
            });
        }
    }

    /** DNS records as the API gives them, in zone-file syntax, each after a comment saying what it is for. */
    static void printRecords(AdminCommand a, JsonNode records) {
        records.forEach(r -> {
            a.out().println("; " + r.path("purpose").asText());
            a.out().println(r.path("name").asText() + " IN " + r.path("type").asText() + " " + r.path("value").asText());
        });
    }
}
