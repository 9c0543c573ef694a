package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin alias add|list|remove}. */
@Command(name = "alias", description = "Aliases: one address delivered to one or more local users.",
        mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {AliasCommands.Add.class, AliasCommands.ListAliases.class, AliasCommands.Remove.class})
final class AliasCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    static String targets(JsonNode alias) {
        StringBuilder b = new StringBuilder();
        alias.path("targets").forEach(t -> b.append(b.isEmpty() ? "" : ", ").append(t.asText()));
        return b.toString();
    }

    @Command(name = "add", description = "Add (or replace) an alias; the targets must be existing users.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ALIAS")
        String alias;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "USER")
        List<String> users;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String address = AdminCommand.addressPath(alias);
                ObjectNode body = a.mapper().createObjectNode();
                ArrayNode t = body.putArray("targets");
                for (String u : users) {
                    t.add(AdminCommand.addressPath(u));
                }
                JsonNode n = a.call(c, "PUT", "/api/v1/aliases/" + address, Map.of(), body);
                a.print(n, () -> a.out().println("alias " + n.path("address").asText() + " -> " + targets(n)));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "list", description = "Aliases and their targets.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class ListAliases implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "DOMAIN", description = "Only this domain.")
        String domain;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "GET", "/api/v1/aliases",
                        domain == null ? Map.of() : Map.of("domain", AdminCommand.domainPath(domain)), null);
                a.print(n, () -> {
                    Table t = Table.of("ALIAS", "TARGETS");
                    n.forEach(x -> t.row(x.path("address").asText(), targets(x)));
                    t.print(a.out());
                });
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "remove", description = "Remove an alias.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ALIAS")
        String alias;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                JsonNode n = a.call(c, "DELETE", "/api/v1/aliases/" + AdminCommand.addressPath(alias), Map.of(), null);
                a.print(n, () -> a.out().println("removed alias " + n.path("removed").asText()));
                return ExitCodes.OK;
            });
        }
    }
}
