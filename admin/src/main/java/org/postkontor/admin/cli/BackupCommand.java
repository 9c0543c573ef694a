package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code admin backup DIR [--previous DIR]}: an online backup of everything (accounts, mail,
 * badmail) into a new directory, while the appliance takes and serves mail; or, with the appliance
 * stopped, from the store this command opens. {@code postkontor restore} makes a data directory of it.
 */
@Command(name = "backup", description = "Write a consistent copy of accounts, mail and badmail into DIR (a new"
        + " directory), while mail keeps flowing. Restore it with: postkontor restore DIR --data-dir NEW.",
        exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
final class BackupCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Where the backup goes; must not exist yet.")
    Path dir;

    @Option(names = "--previous", paramLabel = "DIR",
            description = "An earlier backup on the same volume: message files it has are hard-linked, not copied.")
    Path previous;

    @Override
    public Integer call() {
        AdminCommand a = AdminCommand.of(spec);
        a.timeoutSeconds = Math.max(a.timeoutSeconds, 24 * 3600); // copying a large spool takes a while
        return a.run(c -> {
            ObjectNode body = a.mapper().createObjectNode().put("dir", dir.toAbsolutePath().normalize().toString());
            if (previous != null) {
                body.put("previous", previous.toAbsolutePath().normalize().toString());
            }
            JsonNode n = a.call(c, "POST", "/api/v1/backups", Map.of(), body);
            a.print(n, () -> a.out().printf("backup written to %s: %d message files (%d linked), %s, %d badmail"
                            + " items, in %.1f s%n", n.path("dir").asText(), n.path("messageFiles").asInt(),
                    n.path("linked").asInt(), Table.bytes(n.path("bytes").asLong()), n.path("badmailItems").asInt(),
                    n.path("seconds").asDouble()));
            return ExitCodes.OK;
        });
    }
}
