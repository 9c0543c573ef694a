package org.postkontor.store.internal.mail;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Where things live under the spool directory:
 * <pre>
 *   spool/.lock                       held (OS file lock) while a store has the spool open
 *   spool/tmp/                        bodies being written; cleared at startup
 *   spool/msg/yyyyMMddHH/queueId      bodies, one directory per UTC hour of arrival (a group
 *                                     commit usually touches one directory, so one dir fsync)
 *   spool/quarantine/                 bodies found without an index row at startup
 * </pre>
 * Index rows store paths relative to the spool directory, with {@code /} separators.
 */
public final class SpoolLayout {

    static final String MSG = "msg";
    static final String QUARANTINE = "quarantine";
    static final String LOCK = ".lock";

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);

    private final Path root;

    SpoolLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Path msgDir() {
        return root.resolve(MSG);
    }

    Path quarantineDir() {
        return root.resolve(QUARANTINE);
    }

    Path lockFile() {
        return root.resolve(LOCK);
    }

    /** Relative path (index form) of a new body. */
    static String bodyPath(String queueId, Instant arrived) {
        return MSG + "/" + HOUR.format(arrived) + "/" + queueId;
    }

    /** Hour directory name of an instant (for "is this the current directory"). */
    static String hourDir(Instant at) {
        return HOUR.format(at);
    }

    Path resolve(String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("path outside the spool");
        }
        return p;
    }

    String relativize(Path file) {
        return root.relativize(file.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }
}
