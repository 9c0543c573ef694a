package org.postkontor.store.internal.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.postkontor.store.BackupManifest;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.files.FileCopies;

/**
 * Makes the directories of a new store from a complete backup: its {@code spool/}, {@code index/}
 * and {@code badmail/} are copied (fsynced) into the config's spool, index and badmail
 * directories, which must not exist or be empty. The store then builds its indexes from them at
 * its first start, as after any stop. Run with the appliance stopped.
 */
public final class Restore {

    private Restore() {}

    /** What was restored: files copied, and the backup's manifest. */
    public record Result(BackupManifest manifest, int files, long bytes) {}

    public static Result run(Path backup, StoreConfig target) throws StoreException {
        try {
            BackupManifest manifest = BackupManifest.read(backup);
            List<FileCopies.Copy> copies = new ArrayList<>();
            long files = 0;
            files += plan(backup.resolve("spool"), target.spoolDir(), copies);
            files += plan(backup.resolve("index"), target.indexDir(), copies);
            files += plan(backup.resolve("badmail"), target.badmailDir(), copies);
            FileCopies.Result spool = FileCopies.run(copies.stream().filter(c -> c.to().startsWith(target.spoolDir()))
                    .toList(), target.spoolDir());
            FileCopies.Result index = FileCopies.run(copies.stream().filter(c -> c.to().startsWith(target.indexDir()))
                    .toList(), target.indexDir());
            FileCopies.Result badmail = FileCopies.run(copies.stream()
                    .filter(c -> c.to().startsWith(target.badmailDir())).toList(), target.badmailDir());
            return new Result(manifest, (int) files, spool.bytes() + index.bytes() + badmail.bytes());
        } catch (IOException e) {
            throw new StoreException("cannot restore from " + backup + ": " + e.getMessage(), e);
        }
    }

    private static long plan(Path from, Path to, List<FileCopies.Copy> copies) throws IOException, StoreException {
        if (Files.isDirectory(to)) {
            try (Stream<Path> s = Files.list(to)) {
                if (s.findAny().isPresent()) {
                    throw new StoreException(to + " is not empty: restore into new directories");
                }
            }
        }
        Files.createDirectories(to);
        if (!Files.isDirectory(from)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                copies.add(new FileCopies.Copy(p, to.resolve(from.relativize(p).toString()), null, false));
                n++;
            }
        }
        return n;
    }
}
