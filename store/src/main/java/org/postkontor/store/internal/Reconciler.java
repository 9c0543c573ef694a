package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup reconciliation of the spool files against the index rows, run once by
 * {@link FileStore#open} before anything is served. The index rows are the record of truth (each
 * group commit syncs them); files are checked against them:
 * <ul>
 *   <li>{@code tmp_file}: files in {@code tmp/} were never acknowledged: deleted.</li>
 *   <li>{@code stale_lock}: maildrop lock rows of another (dead) store instance: deleted.</li>
 *   <li>{@code deleted_body}: bodies logged in {@code body_deletions} (expunged, then the
 *       process died before the file was gone): deleted.</li>
 *   <li>{@code orphan_body}: a body file no row names. A crash between the move into
 *       {@code msg/} and the index commit leaves one; it was never acknowledged (SMTP gave no
 *       250, so the sender retries), but it is moved to {@code quarantine/}, not deleted, so that
 *       an admin can look if the index was ever damaged.</li>
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
            counts.put(ORPHAN_BODY, quarantine(onDisk, rows.keySet()));
            counts.put(MISSING_BODY, dropMissing(onDisk.keySet(), rows));
            counts.put(UNREFERENCED_MESSAGE, dropUnreferenced());
            removeEmptyHourDirs();
        } catch (IOException e) {
            throw new StoreException("startup reconciliation failed", e);
        }
        return counts;
    }

    private int finishDeletions() throws StoreException {
        List<String> paths = db.read(c -> {
            List<String> l = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT path FROM body_deletions")) {
                while (rs.next()) {
                    l.add(rs.getString(1));
                }
            }
            return l;
        });
        remover.deleteBodies(paths);
        return paths.size();
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

    private int quarantine(Map<String, Path> onDisk, Set<String> indexed) throws IOException {
        int n = 0;
        Set<Path> dirs = new HashSet<>();
        for (Map.Entry<String, Path> e : onDisk.entrySet()) {
            if (indexed.contains(e.getKey())) {
                continue;
            }
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
            log.warn("body without an index row quarantined: {}", layout.relativize(to));
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
