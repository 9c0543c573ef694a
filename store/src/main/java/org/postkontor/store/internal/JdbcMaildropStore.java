package org.postkontor.store.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maildrops on the index. The exclusive lock is two-level: an in-process map (fast, and exact
 * for this process) and a {@code maildrop_locks} row naming this store instance as owner (what a
 * shared index would arbitrate on; the primary key refuses a second holder). Rows of other owners
 * are stale once this store holds the embedded index, and startup deletes them; with a shared
 * PostgreSQL index the same rows would carry a heartbeat and be taken over when it stops.
 * Thread-safe; each {@link Maildrop} is for one session.
 */
final class JdbcMaildropStore implements MaildropStore {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final Database db;
    private final SpoolLayout layout;
    private final EntryRemover remover;
    private final String owner;
    private final Clock clock;
    private final StoreMetrics metrics;
    private final Map<String, Boolean> held = new ConcurrentHashMap<>();

    JdbcMaildropStore(Database db, SpoolLayout layout, EntryRemover remover, String owner, Clock clock,
                      StoreMetrics metrics) {
        this.db = db;
        this.layout = layout;
        this.remover = remover;
        this.owner = owner;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public Maildrop open(MailAddress mailbox) throws StoreException {
        String box = mailbox.toString();
        if (held.putIfAbsent(box, Boolean.TRUE) != null) {
            throw new MailboxInUseException("maildrop is locked by another session");
        }
        boolean rowTaken = false;
        try {
            boolean exists = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM users WHERE address = ?")) {
                    ps.setString(1, box);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                }
            });
            if (!exists) {
                throw new NoSuchMailboxException("no such mailbox");
            }
            rowTaken = db.writeUnsynced(c -> {
                OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
                String holder = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT owner FROM maildrop_locks WHERE mailbox = ?")) {
                    ps.setString(1, box);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            holder = rs.getString(1);
                        }
                    }
                }
                if (owner.equals(holder)) {
                    // Ours, yet no session of this process holds it (the map says so): a close
                    // that could not delete the row left it behind. Take it over.
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE maildrop_locks SET acquired_at = ? WHERE mailbox = ? AND owner = ?")) {
                        ps.setObject(1, now);
                        ps.setString(2, box);
                        ps.setString(3, owner);
                        return ps.executeUpdate() == 1;
                    }
                }
                if (holder != null) {
                    return false;
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO maildrop_locks (mailbox, owner, acquired_at) VALUES (?, ?, ?)")) {
                    ps.setString(1, box);
                    ps.setString(2, owner);
                    ps.setObject(3, now);
                    ps.executeUpdate();
                    return true;
                } catch (SQLException e) {
                    if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                        return false; // another owner inserted it first (unique violation)
                    }
                    throw e;
                }
            });
            if (!rowTaken) {
                throw new MailboxInUseException("maildrop is locked by another store instance");
            }
            // every row names a body that was durable before the row was written (FileSpool)
            List<Listed> snapshot = db.read(c -> {
                List<Listed> list = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT e.id, e.uidl, e.octets, e.arrived_at, m.path, m.body_offset FROM mailbox_entries e"
                                + " JOIN messages m ON m.id = e.message_id WHERE e.mailbox = ?"
                                + " ORDER BY e.id")) {
                    ps.setString(1, box);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            MaildropEntry entry = new MaildropEntry(rs.getLong(1), rs.getString(2), rs.getLong(3),
                                    rs.getObject(4, OffsetDateTime.class).toInstant());
                            list.add(new Listed(entry, rs.getString(5), rs.getLong(6)));
                        }
                    }
                }
                return list;
            });
            return new LockedMaildrop(mailbox, snapshot);
        } catch (StoreException | RuntimeException e) {
            if (rowTaken) {
                releaseRow(box);
            }
            held.remove(box);
            throw e;
        }
    }

    private void releaseRow(String box) {
        try {
            db.writeUnsynced(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM maildrop_locks WHERE mailbox = ? AND owner = ?")) {
                    ps.setString(1, box);
                    ps.setString(2, owner);
                    return ps.executeUpdate();
                }
            });
        } catch (StoreException e) {
            // the row is stale now; the next start of the store clears it
            log.warn("cannot release a maildrop lock row: {}", e.toString());
        }
    }

    /** A listed entry, its body file and where the message bytes start in it (after the header record). */
    private record Listed(MaildropEntry entry, String path, long bodyOffset) {}

    private final class LockedMaildrop implements Maildrop {
        private final MailAddress mailbox;
        private final List<MaildropEntry> listing;
        private final Map<Long, Listed> byId = new HashMap<>();
        private final byte[] deliveredTo;
        private boolean expunged;
        private boolean closed;

        LockedMaildrop(MailAddress mailbox, List<Listed> snapshot) {
            this.mailbox = mailbox;
            List<MaildropEntry> l = new ArrayList<>(snapshot.size());
            for (Listed x : snapshot) {
                l.add(x.entry());
                byId.put(x.entry().id(), x);
            }
            this.listing = List.copyOf(l);
            this.deliveredTo = FileSpool.deliveredTo(mailbox.toString());
        }

        @Override
        public MailAddress mailbox() {
            return mailbox;
        }

        @Override
        public List<MaildropEntry> listing() {
            return listing;
        }

        private Listed listed(MaildropEntry entry) {
            Listed x = byId.get(entry.id());
            if (x == null || !x.entry().equals(entry)) {
                throw new IllegalArgumentException("entry is not in this maildrop's listing");
            }
            return x;
        }

        @Override
        public InputStream open(MaildropEntry entry) throws StoreException {
            checkOpen();
            Listed x = listed(entry);
            Path file = layout.resolve(x.path());
            try {
                long size = Files.size(file) - x.bodyOffset();
                if (size + deliveredTo.length != entry.octets()) {
                    throw new StoreException("stored body has " + size + " octets, index says "
                            + (entry.octets() - deliveredTo.length));
                }
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                try {
                    ch.position(x.bodyOffset());
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                return new SequenceInputStream(new ByteArrayInputStream(deliveredTo), Channels.newInputStream(ch));
            } catch (NoSuchFileException e) {
                throw new StoreException("stored body is missing", e);
            } catch (IOException e) {
                throw new StoreException("cannot read a stored body", e);
            }
        }

        @Override
        public void expunge(Set<MaildropEntry> entries) throws StoreException {
            checkOpen();
            if (expunged) {
                throw new IllegalStateException("already expunged");
            }
            Map<Long, String> chosen = new HashMap<>();
            for (MaildropEntry e : entries) {
                Listed x = listed(e);
                chosen.put(x.entry().id(), x.path());
            }
            if (!chosen.isEmpty()) {
                metrics.expunged(remover.removeLogged(mailbox.toString(), chosen));
            }
            expunged = true;
        }

        private void checkOpen() {
            if (closed) {
                throw new IllegalStateException("maildrop is closed");
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            String box = mailbox.toString();
            releaseRow(box);
            held.remove(box);
        }
    }
}
