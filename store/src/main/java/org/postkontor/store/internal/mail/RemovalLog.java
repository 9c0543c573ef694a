package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.LineLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's append-only log of entries that are no longer in their mailbox: expunged by POP3,
 * purged by the admin, or refused at delivery after the body (whose header record names every
 * mailbox the delivery was for) was written. Together with the bodies' header records it is the
 * record of truth for what each mailbox holds: a mailbox holds entry (body, mailbox) exactly when
 * the body file exists, its record names the mailbox, and this log does not. The mail index is
 * built to match at every start ({@link SpoolLoader}).
 *
 * <p>One {@link LineLog} line per removal: {@code <body path>[,<body path>...] <mailbox>}, so an
 * expunge of several entries is one line, all or nothing. Body paths and mailboxes contain no
 * space, comma or line end. {@link #append} returns after an fsync: only then may POP3 answer its
 * QUIT. A damaged line (not a torn tail, which {@link LineLog} cuts) is logged and skipped.
 *
 * <p>Records of bodies that are gone are dropped by {@link #compact}, at start and when the file
 * grows past {@value #COMPACT_AT_BYTES} bytes. Thread-safe.
 */
public final class RemovalLog implements AutoCloseable {

    public static final String FILE = "removed.log";
    static final long COMPACT_AT_BYTES = 8L * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    /** A mailbox's entries of these bodies are removed. */
    public record Removal(String mailbox, List<String> bodyPaths) {
        public Removal {
            bodyPaths = List.copyOf(bodyPaths);
        }
    }

    private final LineLog lines;
    private final DurableFiles files;

    private RemovalLog(LineLog lines, DurableFiles files) {
        this.lines = lines;
        this.files = files;
    }

    /** Opens the log under the spool root, cutting off a torn tail. */
    public static RemovalLog open(Path spoolRoot, DurableFiles files) throws IOException {
        return new RemovalLog(LineLog.open(spoolRoot.resolve(FILE), files), files);
    }

    /** The log did not exist before {@link #open}: a new spool. */
    boolean created() {
        return lines.created();
    }

    /** Every removed (body path, mailbox) pair in the log, as {@link #key}. */
    public Set<String> removed() throws IOException {
        return removed(records(lines.contents()));
    }

    /** The removed pairs of a log file no one writes to (a backup being restored). */
    static Set<String> removed(Path file) throws IOException {
        return removed(records(LineLog.read(file)));
    }

    private static Set<String> removed(List<Removal> records) {
        Set<String> keys = new HashSet<>();
        for (Removal r : records) {
            for (String path : r.bodyPaths()) {
                keys.add(key(path, r.mailbox()));
            }
        }
        return keys;
    }

    public static String key(String bodyPath, String mailbox) {
        return bodyPath + " " + mailbox;
    }

    /** Appends the removals and fsyncs the log; on return they survive a crash. */
    public void append(Collection<Removal> removals) throws IOException {
        List<String> out = new ArrayList<>(removals.size());
        for (Removal r : removals) {
            if (!r.bodyPaths().isEmpty()) {
                out.add(line(r));
            }
        }
        lines.append(out);
    }

    /** Compacts when the file has grown past the threshold; failures are logged, never thrown. */
    void compactIfLarge(Predicate<String> bodyExists) {
        try {
            if (lines.size() >= COMPACT_AT_BYTES) {
                compact(bodyExists);
            }
        } catch (IOException e) {
            log.warn("cannot compact the removal log now: {}", e.toString());
        }
    }

    /**
     * Rewrites the log without the records of bodies that are gone. Their deletions are made
     * durable first (their directories fsynced), so a dropped record can never let a body come
     * back: a body removed from its directory but not yet durably would otherwise return after a
     * crash with no record saying that its entries are gone.
     *
     * @return the number of body paths dropped
     */
    int compact(Predicate<String> bodyExists) throws IOException {
        int[] dropped = {0};
        IOException[] failure = {null};
        lines.rewrite(current -> {
            List<String> kept = new ArrayList<>();
            Set<Path> dirsToSync = new LinkedHashSet<>();
            for (Removal r : records(current)) {
                List<String> live = new ArrayList<>();
                for (String p : r.bodyPaths()) {
                    if (bodyExists.test(p)) {
                        live.add(p);
                    } else {
                        dropped[0]++;
                        Path dir = files.root().resolve(p).getParent();
                        // the hour directory itself may be gone: then its parent holds the deletion
                        dirsToSync.add(Files.isDirectory(dir) ? dir : dir.getParent());
                    }
                }
                if (!live.isEmpty()) {
                    kept.add(line(new Removal(r.mailbox(), live)));
                }
            }
            try {
                for (Path d : dirsToSync) {
                    if (Files.isDirectory(d)) {
                        files.syncDirectory(d);
                    }
                }
            } catch (IOException e) {
                failure[0] = e;
                return current; // keep every record: the deletions are not known to be durable
            }
            return kept;
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        if (dropped[0] > 0) {
            log.info("removal log compacted: {} body paths of deleted bodies dropped", dropped[0]);
        }
        return dropped[0];
    }

    /** Writes the log's whole lines, as they are now, to {@code target} (a backup). */
    void copyTo(Path target) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(target,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(LineLog.encode(lines.contents().lines()));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    private static List<Removal> records(LineLog.Contents contents) {
        if (contents.damaged() > 0) {
            log.error("removal log: {} damaged line(s) skipped", contents.damaged());
        }
        return records(contents.lines());
    }

    private static List<Removal> records(List<String> contents) {
        List<Removal> out = new ArrayList<>(contents.size());
        for (String c : contents) {
            int last = c.lastIndexOf(' ');
            if (last <= 0 || last == c.length() - 1) {
                log.error("removal log: malformed line skipped");
                continue;
            }
            out.add(new Removal(c.substring(last + 1), List.of(c.substring(0, last).split(","))));
        }
        return out;
    }

    private static String line(Removal r) {
        for (String p : r.bodyPaths()) {
            if (!plain(p) || p.indexOf(',') >= 0) {
                throw new IllegalArgumentException("body path cannot be logged: " + p);
            }
        }
        if (!plain(r.mailbox())) {
            throw new IllegalArgumentException("mailbox cannot be logged: " + r.mailbox());
        }
        return String.join(",", r.bodyPaths()) + " " + r.mailbox();
    }

    private static boolean plain(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        lines.close();
    }
}
