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
 * Startup reconciliation, run once by {@link FileStore#open} before anything is served: rebuilds
 * the index's mail rows to match the record of truth, the spool. A mailbox holds the entry (body,
 * mailbox) exactly when the body file exists under {@code msg/}, its header record
 * ({@link SpoolRecord}) names the mailbox, and the {@link RemovalLog} does not. The index commits
 * mail rows without a sync, and H2 has been seen to lose even synced rows under SIGKILL, so every
 * start reads the record of every body and puts right whatever differs:
 * <ul>
 *   <li>{@code tmp_file}: files in {@code tmp/} were never acknowledged: deleted.</li>
 *   <li>{@code stale_lock}: maildrop lock rows left by an earlier run (none can be live yet): cleared.</li>
 *   <li>{@code deleted_body}: a body whose every recorded entry is removed (its last entry was
 *       expunged, then the process died before the file was gone; or it is logged in
 *       {@code body_deletions}): file and rows deleted.</li>
 *   <li>{@code reindexed_body}: a body with a record but no message row (the index lost the rows
 *       of a delivery, or a kill cut one off after its body was in place; if never acknowledged,
 *       the sender retries: a possible duplicate, never a loss): message row and one entry per
 *       recorded mailbox not removed, with the recorded UIDL and arrival (a mailbox that is no
 *       user any more still gets its entry, like a user removed with "keep mail"; a (mailbox,
 *       UIDL) held by another message is skipped).</li>
 *   <li>{@code restored_entry}: an entry of an indexed body that its record names and the log
 *       does not remove, but the index lost: inserted again.</li>
 *   <li>{@code removed_entry}: an entry the log removes but the index still has (an expunge whose
 *       index write a kill cut off): deleted.</li>
 *   <li>{@code orphan_body}: a body file no row names and that has no valid record (written
 *       before the records existed, or damaged), or whose entries all exist under other bodies:
 *       moved to {@code quarantine/}, not deleted, so that an admin can look.</li>
 *   <li>{@code missing_body}: a message row whose file is gone (only disk damage or a hand
 *       deletion does that): its entries and the row are removed, so that no maildrop lists what
 *       it cannot serve; logged as an error.</li>
 *   <li>{@code unreferenced_message}: a message row no entry refers to: row and file deleted.</li>
 * </ul>
 * After an unclean stop (no {@code spool/.clean} marker: the process was killed or crashed) the
 * mail rows are not patched but rebuilt: entries, messages and pending body deletions are
 * truncated and every live body and entry inserted again, because H2 has been seen, after a
 * SIGKILL, to keep an entry in a secondary index whose row is gone ("Row not found in primary
 * index"), and a row that any statement locking it spins on for ever; no row-level repair
 * reaches either (see {@link #truncateMailRows}). Counts are still those of the differences found
 * against the old rows.
 * The first start with a removal log ({@code adopt}: a spool from a version without one) takes
 * the index as it is and logs every recorded mailbox without an entry as removed, so nothing
 * expunged before comes back. Then the log is compacted, and empty hour directories other than
 * the current one are removed. All index changes are one synced transaction. Counts go to the log
 * ({@code postkontor.store}) and to {@link StoreMetrics#reconciled}.
 */
final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    static final String TMP_FILE = "tmp_file";
    static final String STALE_LOCK = "stale_lock";
    static final String DELETED_BODY = "deleted_body";
    static final String REINDEXED_BODY = "reindexed_body";
    static final String RESTORED_ENTRY = "restored_entry";
    static final String REMOVED_ENTRY = "removed_entry";
    static final String ORPHAN_BODY = "orphan_body";
    static final String MISSING_BODY = "missing_body";
    static final String UNREFERENCED_MESSAGE = "unreferenced_message";

    private final Database db;
    private final DurableFiles files;
    private final SpoolLayout layout;
    private final EntryRemover remover;
    private final RemovalLog removals;
    private final boolean adopt;
    private final boolean cleanStop;
    private final Clock clock;

    /** @param adopt the removal log was just created: take the index's entries as they are (see above) */
    Reconciler(Database db, DurableFiles files, SpoolLayout layout, EntryRemover remover, RemovalLog removals,
               boolean adopt, boolean cleanStop, Clock clock) {
        this.cleanStop = cleanStop;
        this.db = db;
        this.files = files;
        this.layout = layout;
        this.remover = remover;
        this.removals = removals;
        this.adopt = adopt;
        this.clock = clock;
    }

    /** Message rows of bodies written before the header records (V3): their entries cannot be rebuilt. */
    private boolean hasBodiesWithoutRecords() throws StoreException {
        boolean legacy = db.read(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1 FROM messages WHERE body_offset = 0 FETCH FIRST 1 ROWS ONLY")) {
                return rs.next();
            }
        });
        if (legacy) {
            log.warn("unclean stop, but some messages predate the header records: entries checked, not rebuilt");
        }
        return legacy;
    }

    Map<String, Integer> run() throws StoreException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try {
            counts.put(TMP_FILE, files.clearTmp());
            counts.put(STALE_LOCK, clearLocks());
            boolean rebuild = !cleanStop && !adopt && !hasBodiesWithoutRecords();
            Index index = Index.load(db);
            if (rebuild) {
                int dropped = truncateMailRows();
                log.info("unclean stop: rebuilding the index's {} entries from the spool", dropped);
            }
            int deleted = finishDeletions();
            files.createDirectoriesDurably(layout.msgDir());
            Map<String, Path> onDisk = bodiesOnDisk();
            Set<String> deletionPending = pendingDeletions();
            Set<String> removed = removals.removed();
            Plan plan = new Plan();
            // after an unclean stop the mail rows are rebuilt from scratch (see the class comment):
            // the plan against the old rows gives the counts, a second one against none the work
            Plan work = rebuild ? new Plan() : plan;
            Index none = new Index(Map.of(), Map.of(), Set.of());
            Map<String, Path> orphans = new HashMap<>();
            for (Map.Entry<String, Path> e : new TreeMap<>(onDisk).entrySet()) {
                String path = e.getKey();
                if (deletionPending.contains(path)) {
                    continue; // its last entry was expunged; the next start retries the deletion
                }
                Path file = e.getValue();
                SpoolRecord r = Files.isRegularFile(file) ? SpoolRecord.read(file).orElse(null) : null;
                long size = Files.isRegularFile(file) ? Files.size(file) : -1;
                if (r == null || !r.queueId().equals(file.getFileName().toString()) || size < r.bodyOffset()
                        || !fitsTheIndex(path, r)) {
                    if (!index.messages.containsKey(path)) {
                        orphans.put(path, file); // no record to go by (older or damaged): keep the rows as they are
                    }
                    continue;
                }
                plan.add(path, r, size - r.bodyOffset(), index, removed, adopt);
                if (rebuild) {
                    work.add(path, r, size - r.bodyOffset(), none, removed, false);
                }
            }
            if (adopt && !plan.adopted.isEmpty()) {
                removals.append(plan.adopted);
                log.info("removal log started from the index: {} bodies have recorded mailboxes without an entry",
                        plan.adopted.size());
            }
            Applied applied = apply(work);
            // after a rebuild every body is re-indexed: name only those the old rows lacked
            List<String> reindexed = applied.reindexed.stream().filter(p -> !rebuild || plan.reindex.containsKey(p))
                    .toList();
            for (String p : reindexed) {
                log.warn("body without index rows re-indexed from its header record: {}", p);
            }
            for (String p : work.reindex.keySet()) {
                if (!applied.reindexed.contains(p)) {
                    orphans.put(p, onDisk.get(p)); // every entry is under another body: not ours to guess
                }
            }
            deleted += applied.deletedBodies;
            counts.put(DELETED_BODY, deleted);
            counts.put(REINDEXED_BODY, reindexed.size());
            counts.put(RESTORED_ENTRY, rebuild
                    ? plan.restore.values().stream().mapToInt(List::size).sum() : applied.restored);
            counts.put(REMOVED_ENTRY, rebuild ? plan.removeEntries.size() : applied.removed);
            counts.put(ORPHAN_BODY, quarantine(orphans));
            counts.put(MISSING_BODY, dropMissing(onDisk.keySet(), index.messages, !rebuild));
            counts.put(UNREFERENCED_MESSAGE, dropUnreferenced());
            removals.compact(p -> Files.exists(layout.resolve(p)));
            removeEmptyHourDirs();
        } catch (IOException e) {
            throw new StoreException("startup reconciliation failed", e);
        }
        return counts;
    }

    /** The index's mail rows: message path to id, and each message's entries by mailbox. */
    private record Index(Map<String, Long> messages, Map<Long, Map<String, Long>> entries, Set<String> uidls) {
        static Index load(Database db) throws StoreException {
            return db.read(c -> {
                Map<String, Long> m = new HashMap<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT path, id FROM messages")) {
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getLong(2));
                    }
                }
                Map<Long, Map<String, Long>> e = new HashMap<>();
                Set<String> uidls = new HashSet<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT message_id, mailbox, id, uidl FROM mailbox_entries")) {
                    while (rs.next()) {
                        e.computeIfAbsent(rs.getLong(1), k -> new HashMap<>()).put(rs.getString(2), rs.getLong(3));
                        uidls.add(rs.getString(2) + " " + rs.getString(4));
                    }
                }
                return new Index(m, e, uidls);
            });
        }
    }

    /** What the record of truth asks of the index. */
    private static final class Plan {
        /** Bodies without a message row: record and octets, with the entries to create. */
        final Map<String, SpoolRecord> reindex = new LinkedHashMap<>();
        final Map<String, List<SpoolRecord.Entry>> reindexEntries = new HashMap<>();
        final Map<String, Long> octets = new HashMap<>();
        /** Indexed bodies: message id to entries to insert. */
        final Map<Long, List<SpoolRecord.Entry>> restore = new LinkedHashMap<>();
        final Map<Long, SpoolRecord> restoreRecord = new HashMap<>();
        /** Entry ids to delete, and the messages they belong to. */
        final List<Long> removeEntries = new ArrayList<>();
        final Set<Long> touchedMessages = new HashSet<>();
        /** Bodies with every entry removed and no message row: files to delete. */
        final List<String> deleteFiles = new ArrayList<>();
        /** In adopt mode: recorded mailboxes without an entry, to log as removed. */
        final List<RemovalLog.Removal> adopted = new ArrayList<>();
        /** (mailbox, UIDL) pairs the plan gives out, so that two bodies never claim the same one. */
        final Set<String> taken = new HashSet<>();

        void add(String path, SpoolRecord r, long octets, Index index, Set<String> removed, boolean adopt) {
            Long id = index.messages.get(path);
            Map<String, Long> have = id == null ? Map.of() : index.entries.getOrDefault(id, Map.of());
            List<SpoolRecord.Entry> live = new ArrayList<>();
            for (SpoolRecord.Entry en : r.entries()) {
                if (!removed.contains(RemovalLog.key(path, en.mailbox()))) {
                    live.add(en);
                }
            }
            if (adopt && id != null) {
                for (SpoolRecord.Entry en : live) {
                    if (!have.containsKey(en.mailbox())) {
                        adopted.add(new RemovalLog.Removal(en.mailbox(), List.of(path)));
                    }
                }
                return;
            }
            Set<String> liveBoxes = new HashSet<>();
            for (SpoolRecord.Entry en : live) {
                liveBoxes.add(en.mailbox());
            }
            for (Map.Entry<String, Long> h : have.entrySet()) {
                if (!liveBoxes.contains(h.getKey()) && removed.contains(RemovalLog.key(path, h.getKey()))) {
                    removeEntries.add(h.getValue());
                    touchedMessages.add(id);
                }
            }
            if (live.isEmpty()) {
                if (id == null) {
                    deleteFiles.add(path);
                }
                return; // an indexed one loses its last entries above and is dropped as unreferenced
            }
            this.octets.put(path, octets);
            if (id == null) {
                List<SpoolRecord.Entry> create = new ArrayList<>();
                for (SpoolRecord.Entry en : live) {
                    String key = en.mailbox() + " " + en.uidl();
                    if (!index.uidls.contains(key) && taken.add(key)) {
                        create.add(en);
                    }
                }
                reindex.put(path, r);
                reindexEntries.put(path, create);
                return;
            }
            List<SpoolRecord.Entry> missing = new ArrayList<>();
            for (SpoolRecord.Entry en : live) {
                String key = en.mailbox() + " " + en.uidl();
                if (!have.containsKey(en.mailbox()) && !index.uidls.contains(key) && taken.add(key)) {
                    missing.add(en);
                }
            }
            if (!missing.isEmpty()) {
                restore.put(id, missing);
                restoreRecord.put(id, r);
                this.octets.put(Long.toString(id), octets);
            }
        }
    }

    private record Applied(List<String> reindexed, int restored, int removed, int deletedBodies) {}

    /** Carries out the plan: index changes in one synced transaction, then file deletions. */
    private Applied apply(Plan plan) throws StoreException, IOException {
        if (plan.reindex.isEmpty() && plan.restore.isEmpty() && plan.removeEntries.isEmpty()
                && plan.deleteFiles.isEmpty()) {
            return new Applied(List.of(), 0, 0, 0);
        }
        record Done(List<String> reindexed, int restored, List<String> bodies) {}
        Done done = db.write(c -> {
            List<String> ok = new ArrayList<>();
            int restored = 0;
            try (PreparedStatement delEntry = c.prepareStatement("DELETE FROM mailbox_entries WHERE id = ?");
                 PreparedStatement msg = c.prepareStatement(
                         "INSERT INTO messages (queue_id, path, octets, received_at, body_offset) VALUES (?, ?, ?, ?, ?)",
                         new String[] {"id"});
                 PreparedStatement queued = c.prepareStatement("SELECT 1 FROM messages WHERE queue_id = ?");
                 PreparedStatement entry = c.prepareStatement(
                         "INSERT INTO mailbox_entries (mailbox, message_id, uidl, octets, arrived_at) VALUES (?, ?, ?, ?, ?)")) {
                for (long id : plan.removeEntries) {
                    delEntry.setLong(1, id);
                    delEntry.executeUpdate();
                }
                for (Map.Entry<String, SpoolRecord> e : plan.reindex.entrySet()) {
                    SpoolRecord r = e.getValue();
                    List<SpoolRecord.Entry> create = plan.reindexEntries.get(e.getKey());
                    queued.setString(1, r.queueId());
                    try (ResultSet rs = queued.executeQuery()) {
                        if (rs.next() || create.isEmpty()) {
                            continue; // another row has this queue id, or nothing to list: quarantine
                        }
                    }
                    long octets = plan.octets.get(e.getKey());
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
                    insertEntries(entry, id, create, octets, at);
                    ok.add(e.getKey());
                }
                for (Map.Entry<Long, List<SpoolRecord.Entry>> e : plan.restore.entrySet()) {
                    SpoolRecord r = plan.restoreRecord.get(e.getKey());
                    long octets = plan.octets.get(Long.toString(e.getKey()));
                    insertEntries(entry, e.getKey(), e.getValue(), octets, r.received().atOffset(ZoneOffset.UTC));
                    restored += e.getValue().size();
                    log.warn("entries of {} the index had lost restored from its header record: {}",
                            r.queueId(), e.getValue().stream().map(SpoolRecord.Entry::mailbox).toList());
                }
            }
            List<String> bodies = remover.dropUnreferenced(c, plan.touchedMessages);
            return new Done(ok, restored, bodies);
        });
        remover.deleteBodies(done.bodies());
        Set<Path> dirs = new HashSet<>();
        for (String p : plan.deleteFiles) {
            Path file = layout.resolve(p);
            DurableFiles.delete(file);
            dirs.add(file.getParent());
        }
        for (Path d : dirs) {
            files.syncDirectory(d);
        }
        return new Applied(done.reindexed(), done.restored(), plan.removeEntries.size(),
                done.bodies().size() + plan.deleteFiles.size());
    }

    private static void insertEntries(PreparedStatement entry, long messageId, List<SpoolRecord.Entry> entries,
                                      long octets, OffsetDateTime at) throws SQLException {
        for (SpoolRecord.Entry en : entries) {
            entry.setString(1, en.mailbox());
            entry.setLong(2, messageId);
            entry.setString(3, en.uidl());
            entry.setLong(4, FileSpool.deliveredTo(en.mailbox()).length + octets);
            entry.setObject(5, at);
            entry.executeUpdate();
        }
    }

    /**
     * Clears every maildrop lock: none can be held yet (this store instance has opened no maildrop,
     * and {@code spool/.lock} keeps any other out). TRUNCATE, not DELETE: see {@link #truncateMailRows}.
     */
    private int clearLocks() throws StoreException {
        return db.writeUnsynced(c -> {
            try (Statement st = c.createStatement()) {
                int n = count(st, "maildrop_locks");
                st.execute("TRUNCATE TABLE maildrop_locks");
                return n;
            }
        });
    }

    /**
     * After an unclean stop: empties the mail tables (entries, messages, pending body deletions),
     * which are then rebuilt from the spool and the removal log. Returns the entries there were.
     *
     * <p>TRUNCATE clears a table and its indexes without locking any row, and so reaches what H2
     * has been seen to leave after a SIGKILL: a row of a transaction the kill cut off that no
     * later statement can lock ({@code SELECT … FOR UPDATE} and {@code DELETE} on it spin for
     * ever inside H2's {@code TransactionMap.set}), and an entry in a secondary index whose row is
     * gone. Referential integrity is off for the two TRUNCATEs only, because H2 refuses to
     * truncate a table a foreign key refers to, even when the referring table is empty. H2
     * commits each TRUNCATE at once; a crash in between leaves tables that the next start, again
     * unclean, empties and rebuilds.
     */
    private int truncateMailRows() throws StoreException {
        return db.writeUnsynced(c -> {
            try (Statement st = c.createStatement()) {
                int n = count(st, "mailbox_entries");
                st.execute("SET REFERENTIAL_INTEGRITY FALSE");
                try {
                    st.execute("TRUNCATE TABLE mailbox_entries");
                    st.execute("TRUNCATE TABLE messages");
                } finally {
                    st.execute("SET REFERENTIAL_INTEGRITY TRUE");
                }
                st.execute("TRUNCATE TABLE body_deletions");
                return n;
            }
        });
    }

    private static int count(Statement st, String table) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
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

    /** @param rowsLeft whether {@code rows} are still in the index (not after a rebuild) */
    private int dropMissing(Set<String> onDisk, Map<String, Long> rows, boolean rowsLeft) throws StoreException {
        List<Long> missing = new ArrayList<>();
        for (Map.Entry<String, Long> r : rows.entrySet()) {
            if (!onDisk.contains(r.getKey())) {
                missing.add(r.getValue());
                log.error("body of an indexed message is missing, its entries are removed: {}", r.getKey());
            }
        }
        if (missing.isEmpty() || !rowsLeft) {
            return missing.size();
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
