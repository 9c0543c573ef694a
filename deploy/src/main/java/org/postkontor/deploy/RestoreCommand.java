package org.postkontor.deploy;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.postkontor.deploy.logging.CliLogging;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.embedded.EmbeddedStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code postkontor restore BACKUP --data-dir NEW}: makes a new data directory from a complete
 * backup ({@code postkontor admin backup}, or a scheduled one). NEW's {@code spool/}, {@code index/}
 * and {@code badmail/} must not exist or be empty; nothing else is touched, so it is safe while an
 * appliance runs on another data directory. The appliance started on NEW builds its indexes from
 * the restored files. Exit 0 restored, 1 refused or failed.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Make a new data directory from a backup (then start the appliance on it).")
public final class RestoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "BACKUP", description = "A complete backup directory (it has postkontor-backup.properties).")
    Path backup;

    @Option(names = "--data-dir", required = true, paramLabel = "NEW",
            description = "The new data directory: spool/, index/ and badmail/ are made under it.")
    Path dataDir;

    @Override
    public Integer call() {
        CliLogging.quiet();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StoreConfig target = StoreConfig.under(dataDir.toAbsolutePath().normalize());
        try {
            EmbeddedStore.Restored r = EmbeddedStore.restore(backup.toAbsolutePath().normalize(), target);
            out.printf("restored the backup of %s (%d message files, %d badmail items) into %s: %d files%n",
                    r.backupStarted(), r.bodies(), r.badmail(), dataDir.toAbsolutePath().normalize(), r.files());
            out.printf("start the appliance on it: POSTKONTOR_DATA_DIR=%s ./postkontor%n",
                    dataDir.toAbsolutePath().normalize());
            out.flush();
            return 0;
        } catch (StoreException e) {
            err.println("postkontor restore: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
