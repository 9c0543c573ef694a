package org.postkontor.store.internal.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.mail.QueueIds;
import org.postkontor.store.internal.postgres.PgBodies;
import org.postkontor.store.internal.postgres.PgDatabase;
import org.postkontor.store.internal.postgres.StagedBody;

/**
 * The outbound queue in PostgreSQL: a message is an {@code outbound} row, its body, and one
 * {@code outbound_recipients} row per recipient, all inserted by one transaction; each recorded
 * attempt is one transaction on the message's row (locked {@code FOR UPDATE}), and the last final
 * recipient deletes the message and its body in the same one. Any node can queue; the one node that
 * leads the cluster delivers ({@code Store.leads()}). Thread-safe.
 */
public final class PgOutboundQueue implements OutboundQueue {

    private final PgDatabase db;
    private final Path tmpDir;
    private final Clock clock;
    private final QueueIds ids;

    public PgOutboundQueue(PgDatabase db, Path tmpDir, Clock clock) {
        this.db = db;
        this.tmpDir = tmpDir;
        this.clock = clock;
        this.ids = new QueueIds(clock);
    }

    @Override
    public QueuedMessage enqueue(String sender, List<String> recipients, InputStream message) throws StoreException {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(message, "message");
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipient");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS); // what the database keeps
        QueueEntry e = new QueueEntry(new OutboundRecord(ids.next(), now, sender, recipients, 0), 0);
        return insert(e, message, false).orElseThrow();
    }

    /**
     * Adds a message moved from another store as it was there (id, arrival, each recipient's
     * state and attempts); false if the queue has a message with that id already.
     */
    public boolean importMessage(QueuedMessage m, InputStream message) throws StoreException {
        QueueEntry e = new QueueEntry(new OutboundRecord(m.id(), m.arrived(), m.sender(),
                m.recipients().stream().map(Recipient::address).toList(), 0), m.octets());
        for (int i = 0; i < m.recipients().size(); i++) {
            e.set(i, m.recipients().get(i));
        }
        e.warned(m.warned());
        return insert(e, message, true).isPresent();
    }

    private Optional<QueuedMessage> insert(QueueEntry e, InputStream message, boolean ifAbsent) throws StoreException {
        String id = e.record().id();
        try (StagedBody body = StagedBody.read(message, tmpDir, true)) {
            return db.inTransaction("cannot queue the message", c -> {
                OffsetDateTime at = e.record().arrived().atOffset(ZoneOffset.UTC);
                long bodyId = PgBodies.insert(c, id, body, at);
                int added;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbound (id, sender, arrived, octets,"
                        + " warned, body_id) VALUES (?, ?, ?, ?, ?, ?)" + (ifAbsent ? " ON CONFLICT DO NOTHING" : ""))) {
                    ps.setString(1, id);
                    ps.setString(2, e.record().sender());
                    ps.setObject(3, at);
                    ps.setLong(4, body.octets());
                    ps.setBoolean(5, e.warned());
                    ps.setLong(6, bodyId);
                    added = ps.executeUpdate();
                }
                if (added == 0) {
                    c.rollback();
                    return Optional.<QueuedMessage>empty();
                }
                QueueEntry stored = new QueueEntry(e.record(), body.octets());
                for (int i = 0; i < e.size(); i++) {
                    stored.set(i, e.recipient(i));
                }
                stored.warned(e.warned());
                insertRecipients(c, id, stored);
                return Optional.of(stored.view());
            });
        } catch (IOException x) {
            throw new StoreException("cannot read the message to queue", x);
        }
    }

    private static void insertRecipients(Connection c, String id, QueueEntry e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbound_recipients (message, position, address,"
                + " state, attempts, next_attempt, last_reply) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < e.size(); i++) {
                Recipient r = e.recipient(i);
                ps.setString(1, id);
                ps.setInt(2, i);
                ps.setString(3, r.address());
                ps.setString(4, r.state().name());
                ps.setInt(5, r.attempts());
                ps.setObject(6, r.nextAttempt().atOffset(ZoneOffset.UTC));
                ps.setString(7, r.lastReply());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<QueuedMessage> list() throws StoreException {
        try (Connection c = db.connection()) {
            return load(c, null, false).values().stream().map(QueueEntry::view).toList();
        } catch (SQLException e) {
            throw new StoreException("cannot list the outbound queue: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<QueuedMessage> get(String id) throws StoreException {
        try (Connection c = db.connection()) {
            QueueEntry e = load(c, id, false).get(id);
            return Optional.ofNullable(e).map(QueueEntry::view);
        } catch (SQLException e) {
            throw new StoreException("cannot read queued message " + id + ": " + e.getMessage(), e);
        }
    }

    /** Messages with their recipients, oldest first: all, or the one with {@code id} (locked with {@code forUpdate}). */
    private static Map<String, QueueEntry> load(Connection c, String id, boolean forUpdate) throws SQLException {
        record Head(String sender, Instant arrived, long octets, boolean warned) {}
        Map<String, Head> heads = new LinkedHashMap<>();
        String where = id == null ? "" : " WHERE id = ?";
        try (PreparedStatement ps = c.prepareStatement("SELECT id, sender, arrived, octets, warned FROM outbound"
                + where + " ORDER BY arrived, id" + (forUpdate ? " FOR UPDATE" : ""))) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getString(1), new Head(rs.getString(2),
                            rs.getObject(3, OffsetDateTime.class).toInstant(), rs.getLong(4), rs.getBoolean(5)));
                }
            }
        }
        Map<String, List<Recipient>> recipients = new LinkedHashMap<>();
        if (!heads.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT message, address, state, attempts, next_attempt,"
                    + " last_reply FROM outbound_recipients" + (id == null ? "" : " WHERE message = ?")
                    + " ORDER BY message, position")) {
                if (id != null) {
                    ps.setString(1, id);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        recipients.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Recipient(
                                rs.getString(2), State.valueOf(rs.getString(3)), rs.getInt(4),
                                rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getString(6)));
                    }
                }
            }
        }
        Map<String, QueueEntry> out = new LinkedHashMap<>();
        heads.forEach((messageId, h) -> {
            List<Recipient> rs = recipients.getOrDefault(messageId, List.of());
            if (rs.isEmpty()) {
                return; // queued meanwhile: its recipients were not committed when they were read
            }
            QueueEntry e = new QueueEntry(new OutboundRecord(messageId, h.arrived(), h.sender(),
                    rs.stream().map(Recipient::address).toList(), 0), h.octets());
            for (int i = 0; i < rs.size(); i++) {
                e.set(i, rs.get(i));
            }
            e.warned(h.warned());
            out.put(messageId, e);
        });
        return out;
    }

    @Override
    public InputStream open(String id) throws StoreException {
        long bodyId;
        long octets;
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT body_id, octets FROM outbound WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no queued message " + id);
                }
                bodyId = rs.getLong(1);
                octets = rs.getLong(2);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read queued message " + id + ": " + e.getMessage(), e);
        }
        try {
            return PgBodies.open(db, bodyId, new byte[0], octets);
        } catch (StoreException e) {
            throw new NotFoundException("no queued message " + id, e);
        }
    }

    @Override
    public QueuedMessage record(String id, List<Outcome> outcomes) throws StoreException {
        return change(id, (c, e) -> {
            QueueEntry next = e.copy();
            for (Outcome o : outcomes) {
                int i = next.pendingIndexOf(o.recipient());
                if (i >= 0) {
                    next.apply(i, o);
                }
            }
            if (next.pendingCount() == 0) {
                delete(c, id);
            } else {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbound_recipients WHERE message = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                insertRecipients(c, id, next);
            }
            return next.view();
        });
    }

    @Override
    public void markWarned(String id) throws StoreException {
        change(id, (c, e) -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbound SET warned = TRUE WHERE id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean retryNow(String id) throws StoreException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("UPDATE outbound_recipients SET next_attempt = ?"
                     + " WHERE message = ? AND state = 'PENDING'")) {
            ps.setObject(1, clock.instant().atOffset(ZoneOffset.UTC));
            ps.setString(2, id);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new StoreException("cannot retry queued message " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String id) throws StoreException {
        return db.inTransaction("cannot delete queued message " + id, c -> delete(c, id));
    }

    /** Deletes the message, its recipients and its body in the caller's transaction; false if there was none. */
    private static boolean delete(Connection c, String id) throws SQLException {
        return PgBodies.deleteWithBody(c, "outbound", id);
    }

    @Override
    public Totals totals() throws StoreException {
        PgBodies.Totals t = PgBodies.totals(db, "outbound", "arrived");
        return new Totals(t.rows(), t.octets(), t.oldest());
    }

    /** One change to an existing message, its row locked, in one transaction. */
    @FunctionalInterface
    private interface Change<T> {
        T apply(Connection c, QueueEntry current) throws SQLException;
    }

    private <T> T change(String id, Change<T> change) throws StoreException {
        return db.inTransaction("cannot change queued message " + id, c -> {
            QueueEntry e = load(c, id, true).get(id);
            if (e == null) {
                throw new NotFoundException("no queued message " + id);
            }
            return change.apply(c, e);
        });
    }
}
