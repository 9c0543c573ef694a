package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes mailbox entries, and the messages (bodies) no entry refers to any more: first in the
 * spool's {@link RemovalLog} (the record of truth), then in the index. In the index, in two steps:
 * {@link #remove} inside the caller's transaction (entries and message rows deleted,
 * the bodies' paths logged in {@code body_deletions}), then {@link #deleteBodies} after the commit
 * (files deleted, their directories fsynced, the log rows removed). A crash between the steps is
 * finished by startup reconciliation. Used by POP3 expunge and by the admin's purge. Thread-safe.
 */
final class EntryRemover {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final Database db;
    private final SpoolLayout layout;
    private final DurableFiles files;
    private final RemovalLog removals;

    EntryRemover(Database db, SpoolLayout layout, DurableFiles files, RemovalLog removals) {
        this.db = db;
        this.layout = layout;
        this.files = files;
        this.removals = removals;
    }

    /**
     * Removes entries of {@code mailbox} for good: logs them in the spool's {@link RemovalLog}
     * (fsynced: from here on they are gone, whatever happens to the index), then deletes their
     * rows (committed; synced soon after by the index syncer) and the bodies left without entries. If the index step fails after the log, the
     * removal still takes effect at the next start.
     *
     * @param entries entry id to its body path, all of {@code mailbox}
     * @return the entries deleted from the index
     */
    int removeLogged(String mailbox, Map<Long, String> entries) throws StoreException {
        if (entries.isEmpty()) {
            return 0;
        }
        try {
            removals.append(List.of(new RemovalLog.Removal(mailbox, List.copyOf(new TreeSet<>(entries.values())))));
        } catch (IOException e) {
            throw new StoreException("cannot log the removal", e);
        }
        Removed r = db.writeUnsynced(c -> remove(c, mailbox, entries.keySet()));
        // the log line above is what makes the removal durable; a crash before the index's sync
        // loses rows the next start removes again from the log (Reconciler)
        db.syncSoon();
        deleteBodies(r.bodyPaths());
        return r.entries();
    }

    /** Every entry of {@code mailbox}: id to body path. */
    Map<Long, String> entriesOf(String mailbox) throws StoreException {
        return db.read(c -> {
            Map<Long, String> m = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT e.id, m.path FROM mailbox_entries e JOIN messages m ON m.id = e.message_id"
                            + " WHERE e.mailbox = ?")) {
                ps.setString(1, mailbox);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(rs.getLong(1), rs.getString(2));
                    }
                }
            }
            return m;
        });
    }

    /**
     * Deletes these entries of {@code mailbox} (ids of other mailboxes are ignored) and every
     * message left without entries. Runs inside the caller's transaction.
     *
     * @return the number of entries deleted, and the body paths to delete after the commit
     */
    Removed remove(Connection c, String mailbox, Collection<Long> entryIds) throws SQLException {
        Set<Long> messageIds = new TreeSet<>();
        int deleted = 0;
        try (PreparedStatement find = c.prepareStatement(
                "SELECT message_id FROM mailbox_entries WHERE id = ? AND mailbox = ?");
             PreparedStatement del = c.prepareStatement(
                "DELETE FROM mailbox_entries WHERE id = ? AND mailbox = ?")) {
            for (long id : new TreeSet<>(entryIds)) {
                find.setLong(1, id);
                find.setString(2, mailbox);
                try (ResultSet rs = find.executeQuery()) {
                    if (!rs.next()) {
                        continue;
                    }
                    messageIds.add(rs.getLong(1));
                }
                del.setLong(1, id);
                del.setString(2, mailbox);
                deleted += del.executeUpdate();
            }
        }
        return new Removed(deleted, dropUnreferenced(c, messageIds));
    }

    /**
     * Deletes the message rows among {@code messageIds} that no entry refers to, logging their
     * bodies in {@code body_deletions}. Each message row is locked first (in id order), so two
     * mailboxes expunging the last two entries of one message concurrently cannot both keep it.
     */
    List<String> dropUnreferenced(Connection c, Collection<Long> messageIds) throws SQLException {
        List<String> paths = new ArrayList<>();
        try (PreparedStatement lock = c.prepareStatement("SELECT path FROM messages WHERE id = ? FOR UPDATE");
             PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM mailbox_entries WHERE message_id = ?");
             PreparedStatement delMsg = c.prepareStatement("DELETE FROM messages WHERE id = ?");
             PreparedStatement logDel = c.prepareStatement("INSERT INTO body_deletions (path) VALUES (?)")) {
            for (long mid : new TreeSet<>(messageIds)) {
                String path;
                lock.setLong(1, mid);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next()) {
                        continue;
                    }
                    path = rs.getString(1);
                }
                count.setLong(1, mid);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        continue;
                    }
                }
                delMsg.setLong(1, mid);
                delMsg.executeUpdate();
                logDel.setString(1, path);
                logDel.executeUpdate();
                paths.add(path);
            }
        }
        return paths;
    }

    /**
     * After the commit: deletes the body files, fsyncs their directories, then removes the log
     * rows. Failures are logged and left to startup reconciliation; never throws.
     */
    void deleteBodies(List<String> paths) {
        if (paths.isEmpty()) {
            return;
        }
        Set<Path> dirs = new LinkedHashSet<>();
        List<String> done = new ArrayList<>();
        for (String p : paths) {
            try {
                Path file = layout.resolve(p);
                DurableFiles.delete(file);
                dirs.add(file.getParent());
                done.add(p);
            } catch (IOException | RuntimeException e) {
                log.warn("cannot delete body {} now; startup reconciliation retries: {}", p, e.toString());
            }
        }
        try {
            for (Path d : dirs) {
                files.syncDirectory(d);
            }
            db.writeUnsynced(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM body_deletions WHERE path = ?")) {
                    for (String p : done) {
                        ps.setString(1, p);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        } catch (IOException | StoreException e) {
            log.warn("cannot finish body deletions now; startup reconciliation retries: {}", e.toString());
        }
        removals.compactIfLarge(p -> Files.exists(layout.resolve(p)));
    }

    record Removed(int entries, List<String> bodyPaths) {}
}
