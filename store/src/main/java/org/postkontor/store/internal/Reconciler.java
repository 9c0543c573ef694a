package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup reconciliation of the spool files against the index rows, run once by
 * {@link FileStore#open} before anything is served. The index rows are the record of truth (each
 * group commit syncs them), and every body file is self-describing (its header record), so a
 * body whose rows are lost is re-indexed; files are checked against the rows:
 * <ul>
 *   <li>{@code tmp_file}: files in {@code tmp/} were never acknowledged: deleted.</li>
 *   <li>{@code stale_lock}: maildrop lock rows of another (dead) store instance: deleted.</li>
 *   <li>{@code deleted_body}: bodies logged in {@code body_deletions} (expunged, then the
 *       process died before the file was gone): deleted.</li>
 *   <li>{@code reindexed_body}: a body file under {@code msg/} that no row names, not logged for
 *       deletion, with a valid header record ({@link SpoolRecord}) naming it: its rows are
 *       rebuilt from the record (message row; one entry per recorded mailbox with the recorded
 *       UIDL and arrival, skipping a (mailbox, UIDL) that exists; a mailbox that is no user any
 *       more still gets its entry, like a user removed with "keep mail"). Either the index lost
 *       the rows of an acknowledged delivery (never lose it), or a crash cut a delivery off
 *       between the move into {@code msg/} and the index sync (never acknowledged: the sender
 *       retries, so this may list it twice; a duplicate, never a loss). An expunged entry cannot
 *       come back this way: an expunge that leaves entries keeps the message row (so the body is
 *       no orphan), and one that removes the last entry logs the body in {@code body_deletions}
 *       in the same transaction, which is finished (or, if the deletion fails again, skipped)
 *       before orphans are looked at.</li>
 *   <li>{@code orphan_body}: a body file no row names and that has no valid record (written
 *       before the records existed, or damaged), or whose recorded entries all exist already: it
 *       is moved to {@code quarantine/}, not deleted, so that an admin can look.</li>
 *   <li>{@code missing_body}: a message row whose file is gone (only disk damage or a hand
 *       deletion does that): its entries and the row are removed, so that no maildrop lists what
 *       it cannot serve; logged as an error.</li>
 *   <li>{@code unreferenced_message}: a message row no entry refers to: row and file deleted.</li>
 * </ul>
 * Empty hour directories other than the current one are removed. Counts go to the log
 * ({@code postkontor.store}) and to {@link StoreMetrics#reconciled}.
 */
final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    static final String TMP_FILE = "tmp_file";
    static final String STALE_LOCK = "stale_lock";
    static final String DELETED_BODY = "deleted_body";
    static final String REINDEXED_BODY = "reindexed_body";
    static final String ORPHAN_BODY = "orphan_body";
    static final String MISSING_BODY = "missing_body";
    static final String UNREFERENCED_MESSAGE = "unreferenced_message";

    private final Database db;
    private final DurableFiles files;
    private final SpoolLayout layout;
    private final EntryRemover remover;
    private final String owner;
    private final Clock clock;

    Reconciler(Database db, DurableFiles files, SpoolLayout layout, EntryRemover remover, String owner, Clock clock) {
        this.db = db;
        this.files = files;
        this.layout = layout;
        this.remover = remover;
        this.owner = owner;
        this.clock = clock;
    }

    Map<String, Integer> run() throws StoreException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try {
            counts.put(TMP_FILE, files.clearTmp());
            counts.put(STALE_LOCK, db.writeUnsynced(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM maildrop_locks WHERE owner <> ?")) {
                    ps.setString(1, owner);
                    return ps.executeUpdate();
                }
            }));
            counts.put(DELETED_BODY, finishDeletions());
            files.createDirectoriesDurably(layout.msgDir());
            Map<String, Path> onDisk = bodiesOnDisk();
            Map<String, Long> rows = db.read(c -> {
                Map<String, Long> m = new HashMap<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT path, id FROM messages")) {
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return m;
            });
            Set<String> deletionPending = pendingDeletions();
            Map<String, Path> orphans = new HashMap<>();
            for (Map.Entry<String, Path> e : onDisk.entrySet()) {
                if (!rows.containsKey(e.getKey()) && !deletionPending.contains(e.getKey())) {
                    orphans.put(e.getKey(), e.getValue());
                }
            }
            int reindexed = reindex(orphans);
            counts.put(REINDEXED_BODY, reindexed);
            counts.put(ORPHAN_BODY, quarantine(orphans));
            counts.put(MISSING_BODY, dropMissing(onDisk.keySet(), rows));
            counts.put(UNREFERENCED_MESSAGE, dropUnreferenced());
            removeEmptyHourDirs();
        } catch (IOException e) {
            throw new StoreException("startup reconciliation failed", e);
        }
        return counts;
    }

    private int finishDeletions() throws StoreException {
        List<String> paths = List.copyOf(pendingDeletions());
        remover.deleteBodies(paths);
        return paths.size();
    }

    /**
     * Paths still logged in {@code body_deletions}: normally none after {@link #finishDeletions},
     * but a deletion that failed again stays logged, and such a body must never be re-indexed (its
     * last entry was expunged) nor quarantined; the next start retries.
     */
    private Set<String> pendingDeletions() throws StoreException {
        return db.read(c -> {
            Set<String> l = new HashSet<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT path FROM body_deletions")) {
                while (rs.next()) {
                    l.add(rs.getString(1));
                }
            }
            return l;
        });
    }

    /**
     * Rebuilds the rows of every orphan body whose header record is valid: a message row and one
     * entry per recorded mailbox (skipping a (mailbox, UIDL) that exists already), in one synced
     * transaction. Re-indexed files are removed from {@code orphans}; what is left is quarantined.
     */
    private int reindex(Map<String, Path> orphans) throws IOException, StoreException {
        Map<String, SpoolRecord> records = new LinkedHashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        for (Map.Entry<String, Path> e : new TreeMap<>(orphans).entrySet()) {
            Path file = e.getValue();
            if (!Files.isRegularFile(file)) {
                continue;
            }
            SpoolRecord r = SpoolRecord.read(file).orElse(null);
            long size = Files.size(file);
            if (r == null || !r.queueId().equals(file.getFileName().toString()) || size < r.bodyOffset()
                    || !fitsTheIndex(e.getKey(), r)) {
                continue;
            }
            records.put(e.getKey(), r);
            sizes.put(e.getKey(), size - r.bodyOffset());
        }
        if (records.isEmpty()) {
            return 0;
        }
        List<String> done = db.write(c -> {
            List<String> ok = new ArrayList<>();
            try (PreparedStatement queued = c.prepareStatement("SELECT 1 FROM messages WHERE queue_id = ?");
                 PreparedStatement exists = c.prepareStatement(
                         "SELECT 1 FROM mailbox_entries WHERE mailbox = ? AND uidl = ?");
                 PreparedStatement msg = c.prepareStatement(
                         "INSERT INTO messages (queue_id, path, octets, received_at, body_offset) VALUES (?, ?, ?, ?, ?)",
                         new String[] {"id"});
                 PreparedStatement entry = c.prepareStatement(
                         "INSERT INTO mailbox_entries (mailbox, message_id, uidl, octets, arrived_at) VALUES (?, ?, ?, ?, ?)")) {
                for (Map.Entry<String, SpoolRecord> e : records.entrySet()) {
                    SpoolRecord r = e.getValue();
                    long octets = sizes.get(e.getKey());
                    queued.setString(1, r.queueId());
                    try (ResultSet rs = queued.executeQuery()) {
                        if (rs.next()) {
                            continue; // another row has this queue id: not ours to guess, quarantine
                        }
                    }
                    List<SpoolRecord.Entry> missing = new ArrayList<>();
                    for (SpoolRecord.Entry en : r.entries()) {
                        exists.setString(1, en.mailbox());
                        exists.setString(2, en.uidl());
                        try (ResultSet rs = exists.executeQuery()) {
                            if (!rs.next()) {
                                missing.add(en);
                            }
                        }
                    }
                    if (missing.isEmpty()) {
                        continue; // every entry is there under another body (a refused duplicate import): quarantine
                    }
                    OffsetDateTime at = r.received().atOffset(ZoneOffset.UTC);
                    msg.setString(1, r.queueId());
                    msg.setString(2, e.getKey());
                    msg.setLong(3, octets);
                    msg.setObject(4, at);
                    msg.setLong(5, r.bodyOffset());
                    msg.executeUpdate();
                    long id;
                    try (ResultSet keys = msg.getGeneratedKeys()) {
                        if (!keys.next()) {
                            throw new SQLException("no generated key for messages");
                        }
                        id = keys.getLong(1);
                    }
                    for (SpoolRecord.Entry en : missing) {
                        entry.setString(1, en.mailbox());
                        entry.setLong(2, id);
                        entry.setString(3, en.uidl());
                        entry.setLong(4, FileSpool.deliveredTo(en.mailbox()).length + octets);
                        entry.setObject(5, at);
                        entry.executeUpdate();
                    }
                    ok.add(e.getKey());
                }
            }
            return ok;
        });
        for (String p : done) {
            SpoolRecord r = records.get(p);
            orphans.remove(p);
            log.warn("body without index rows re-indexed from its header record: {} ({} octets, received {},"
                    + " mailboxes {})", p, sizes.get(p), r.received(),
                    r.entries().stream().map(SpoolRecord.Entry::mailbox).toList());
        }
        return done.size();
    }

    /** Relative path to file, for every file under msg/. */
    private Map<String, Path> bodiesOnDisk() throws IOException {
        Map<String, Path> found = new HashMap<>();
        try (DirectoryStream<Path> hours = Files.newDirectoryStream(layout.msgDir())) {
            for (Path hour : hours) {
                if (!Files.isDirectory(hour)) {
                    found.put(layout.relativize(hour), hour);
                    continue;
                }
                try (DirectoryStream<Path> bodies = Files.newDirectoryStream(hour)) {
                    for (Path b : bodies) {
                        found.put(layout.relativize(b), b);
                    }
                }
            }
        }
        return found;
    }

    /** The record's values fit the index columns (else one odd file would fail the whole start). */
    private static boolean fitsTheIndex(String path, SpoolRecord r) {
        if (path.length() > 255 || r.queueId().length() > 40) {
            return false;
        }
        for (SpoolRecord.Entry e : r.entries()) {
            if (e.mailbox().length() > 320) {
                return false;
            }
        }
        return true;
    }

    private int quarantine(Map<String, Path> orphans) throws IOException {
        int n = 0;
        Set<Path> dirs = new HashSet<>();
        for (Map.Entry<String, Path> e : orphans.entrySet()) {
            if (n == 0) {
                files.createDirectoriesDurably(layout.quarantineDir());
            }
            Path from = e.getValue();
            Path to = layout.quarantineDir().resolve(from.getFileName());
            if (Files.exists(to)) {
                to = layout.quarantineDir().resolve(from.getFileName() + "." + clock.millis());
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            dirs.add(from.getParent());
            log.warn("body without an index row and without a valid header record quarantined: {}",
                    layout.relativize(to));
            n++;
        }
        if (n > 0) {
            dirs.add(layout.quarantineDir());
            for (Path d : dirs) {
                files.syncDirectory(d);
            }
        }
        return n;
    }

    private int dropMissing(Set<String> onDisk, Map<String, Long> rows) throws StoreException {
        List<Long> missing = new ArrayList<>();
        for (Map.Entry<String, Long> r : rows.entrySet()) {
            if (!onDisk.contains(r.getKey())) {
                missing.add(r.getValue());
                log.error("body of an indexed message is missing, its entries are removed: {}", r.getKey());
            }
        }
        if (missing.isEmpty()) {
            return 0;
        }
        return db.write(c -> {
            try (PreparedStatement entries = c.prepareStatement("DELETE FROM mailbox_entries WHERE message_id = ?");
                 PreparedStatement msg = c.prepareStatement("DELETE FROM messages WHERE id = ?")) {
                for (long id : missing) {
                    entries.setLong(1, id);
                    entries.executeUpdate();
                    msg.setLong(1, id);
                    msg.executeUpdate();
                }
            }
            return missing.size();
        });
    }

    private int dropUnreferenced() throws StoreException {
        List<String> paths = db.write(c -> {
            List<Long> ids = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT m.id FROM messages m WHERE NOT EXISTS"
                            + " (SELECT 1 FROM mailbox_entries e WHERE e.message_id = m.id)")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return remover.dropUnreferenced(c, ids);
        });
        remover.deleteBodies(paths);
        return paths.size();
    }

    private void removeEmptyHourDirs() throws IOException {
        String current = SpoolLayout.hourDir(clock.instant());
        boolean removed = false;
        try (DirectoryStream<Path> hours = Files.newDirectoryStream(layout.msgDir())) {
            for (Path hour : hours) {
                if (!Files.isDirectory(hour) || hour.getFileName().toString().equals(current)) {
                    continue;
                }
                try (DirectoryStream<Path> d = Files.newDirectoryStream(hour)) {
                    if (d.iterator().hasNext()) {
                        continue;
                    }
                }
                Files.deleteIfExists(hour);
                removed = true;
            }
        }
        if (removed) {
            files.syncDirectory(layout.msgDir());
        }
    }
}
