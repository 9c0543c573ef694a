package org.postkontor.store.internal.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.postkontor.store.ConflictException;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.Receipt;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.accounts.Mailboxes;
import org.postkontor.store.internal.mail.DeliveredTo;
import org.postkontor.store.internal.mail.DeliveryArguments;
import org.postkontor.store.internal.mail.MailboxLimits;
import org.postkontor.store.internal.mail.QueueIds;

/**
 * Mail in PostgreSQL: bodies in {@code bodies} and {@code body_chunks}, one row per mailbox entry in
 * {@code entries}, each mailbox's totals in {@code mailbox_usage}. A delivery is one transaction
 * (body, chunks, and for each mailbox: its usage row locked, the quota checked, the entry added),
 * and its commit, durable before it returns, is the 250. The message is read and normalized
 * before a connection is taken ({@link StagedBody}). Expunge is one transaction that also checks
 * that the session still holds its maildrop lock ({@link MaildropLocks}). Thread-safe.
 */
public final class PgMail implements Spool, MaildropStore, Mailboxes, AutoCloseable {

    private final PgDatabase db;
    private final MailboxLimits.Source limits;
    private final Clock clock;
    private final StoreMetrics metrics;
    private final Path tmpDir;
    private final QueueIds ids;
    private final MaildropLocks locks;

    public PgMail(PgDatabase db, MailboxLimits.Source limits, Path tmpDir, Clock clock, StoreMetrics metrics) {
        this.db = db;
        this.limits = limits;
        this.tmpDir = tmpDir;
        this.clock = clock;
        this.metrics = metrics;
        this.ids = new QueueIds(clock);
        this.locks = new MaildropLocks(db);
    }

    // ---- Spool

    @Override
    public DeliveryCheck check(MailAddress mailbox, long sizeHint) throws StoreException {
        String box = mailbox.toString();
        MailboxLimits l = limits.of(box);
        if (!l.exists() || !l.enabled() || (l.quotaBytes() == 0 && l.quotaMessages() == 0)) {
            return l.accepts(0, 0, 0); // no quota: nothing to read from the database
        }
        Mailboxes.Usage u = usage(box);
        return l.accepts(u.messages(), u.octets(), DeliveredTo.line(box).length + Math.max(sizeHint, 0));
    }

    @Override
    public Receipt deliver(Collection<MailAddress> mailboxes, InputStream message) throws StoreException {
        return store(DeliveryArguments.mailboxes(mailboxes, message), null, message);
    }

    /**
     * @throws IllegalArgumentException the UIDL is not 1 to 70 characters 0x21-0x7E
     * @throws ConflictException the mailbox has an entry with this UIDL already
     */
    @Override
    public Receipt deliver(MailAddress mailbox, String uidl, InputStream message) throws StoreException {
        DeliveryArguments.withUidl(mailbox, uidl, message);
        return store(List.of(mailbox), uidl, message);
    }

    private Receipt store(List<MailAddress> boxes, String uidl, InputStream message) throws StoreException {
        StagedBody body;
        try {
            body = StagedBody.read(message, tmpDir, true);
        } catch (IOException e) {
            throw new StoreException("cannot read the message", e);
        }
        try (body) {
            String queueId = ids.next();
            OffsetDateTime arrived = clock.instant().atOffset(ZoneOffset.UTC);
            // usage rows are locked in one order (the mailboxes' names), so deliveries never deadlock
            Map<String, MailAddress> ordered = new TreeMap<>();
            for (MailAddress m : boxes) {
                ordered.put(m.toString(), m);
            }
            Receipt r = db.inTransaction("cannot store the message in the database", c -> {
                long bodyId = PgBodies.insert(c, queueId, body, arrived);
                Set<MailAddress> delivered = new LinkedHashSet<>();
                Map<MailAddress, DeliveryCheck> refused = new LinkedHashMap<>();
                for (Map.Entry<String, MailAddress> e : ordered.entrySet()) {
                    String box = e.getKey();
                    long entryOctets = DeliveredTo.line(box).length + body.octets();
                    DeliveryCheck verdict = addEntry(c, box, uidl != null ? uidl : queueId, bodyId, entryOctets,
                            arrived, uidl != null);
                    if (verdict == DeliveryCheck.OK) {
                        delivered.add(e.getValue());
                    } else {
                        refused.put(e.getValue(), verdict);
                    }
                }
                if (delivered.isEmpty()) {
                    c.rollback(); // nobody took it: nothing is stored
                }
                return new Receipt(queueId, body.octets(), delivered, refused);
            });
            if (!r.delivered().isEmpty()) {
                metrics.delivered(r.delivered().size(), body.octets());
            }
            return r;
        }
    }

    /**
     * Locks the mailbox's usage row, checks the accounts and the quota, and adds the entry if they
     * allow it. With {@code keepUidl}, a UIDL the mailbox has already is a {@link ConflictException}.
     */
    private DeliveryCheck addEntry(Connection c, String box, String uidl, long bodyId, long entryOctets,
                                   OffsetDateTime arrived, boolean keepUidl) throws SQLException, StoreException {
        MailboxLimits l = limits.of(box);
        if (!l.exists() || !l.enabled()) {
            return l.accepts(0, 0, entryOctets);
        }
        long messages;
        long octets;
        // inserts the row on the mailbox's first delivery; either way it is locked and read
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO mailbox_usage (mailbox, messages, octets)"
                + " VALUES (?, 0, 0) ON CONFLICT (mailbox) DO UPDATE SET mailbox = EXCLUDED.mailbox"
                + " RETURNING messages, octets")) {
            ps.setString(1, box);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                messages = rs.getLong(1);
                octets = rs.getLong(2);
            }
        }
        DeliveryCheck verdict = l.accepts(messages, octets, entryOctets);
        if (verdict != DeliveryCheck.OK) {
            return verdict;
        }
        if (keepUidl) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM entries WHERE mailbox = ? AND uidl = ?")) {
                ps.setString(1, box);
                ps.setString(2, uidl);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new ConflictException("the mailbox has a message with UIDL " + uidl + " already");
                    }
                }
            }
        }
        // the entry and the usage it adds in one round trip
        try (PreparedStatement ps = c.prepareStatement("WITH e AS (INSERT INTO entries (mailbox, uidl, body_id, octets,"
                + " arrived) VALUES (?, ?, ?, ?, ?) RETURNING mailbox, octets) UPDATE mailbox_usage u SET"
                + " messages = u.messages + 1, octets = u.octets + e.octets FROM e WHERE u.mailbox = e.mailbox")) {
            ps.setString(1, box);
            ps.setString(2, uidl);
            ps.setLong(3, bodyId);
            ps.setLong(4, entryOctets);
            ps.setObject(5, arrived);
            ps.executeUpdate();
        }
        return DeliveryCheck.OK;
    }

    /** The UIDLs a mailbox has (an import skips what is there). */
    public Set<String> uidls(String mailbox) throws StoreException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT uidl FROM entries WHERE mailbox = ?")) {
            ps.setString(1, mailbox);
            Set<String> out = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot list the mailbox's UIDLs: " + e.getMessage(), e);
        }
    }

    /**
     * Adds an entry moved from another store as it was there (its UIDL and arrival; no quota,
     * no check that the user takes mail): the bytes without the {@code Delivered-To:} line. False
     * if the mailbox has that UIDL already.
     */
    public boolean importEntry(String mailbox, String uidl, Instant arrived, InputStream message)
            throws StoreException {
        try (StagedBody body = StagedBody.read(message, tmpDir, true)) {
            return db.inTransaction("cannot import into " + mailbox, c -> {
                OffsetDateTime at = arrived.atOffset(ZoneOffset.UTC);
                long entryOctets = DeliveredTo.line(mailbox).length + body.octets();
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO mailbox_usage (mailbox, messages, octets)"
                        + " VALUES (?, 0, 0) ON CONFLICT (mailbox) DO UPDATE SET mailbox = EXCLUDED.mailbox")) {
                    ps.setString(1, mailbox);
                    ps.executeUpdate();
                }
                long bodyId = PgBodies.insert(c, uidl, body, at);
                int added;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO entries (mailbox, uidl, body_id, octets,"
                        + " arrived) VALUES (?, ?, ?, ?, ?) ON CONFLICT (mailbox, uidl) DO NOTHING")) {
                    ps.setString(1, mailbox);
                    ps.setString(2, uidl);
                    ps.setLong(3, bodyId);
                    ps.setLong(4, entryOctets);
                    ps.setObject(5, at);
                    added = ps.executeUpdate();
                }
                if (added == 0) {
                    c.rollback();
                    return false;
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE mailbox_usage SET messages = messages + 1, octets = octets + ? WHERE mailbox = ?")) {
                    ps.setLong(1, entryOctets);
                    ps.setString(2, mailbox);
                    ps.executeUpdate();
                }
                return true;
            });
        } catch (IOException e) {
            throw new StoreException("cannot read the message to import", e);
        }
    }

    // ---- MaildropStore

    @Override
    public Maildrop open(MailAddress mailbox) throws StoreException {
        String box = mailbox.toString();
        if (!limits.of(box).exists()) {
            throw new NoSuchMailboxException("no such mailbox");
        }
        MaildropLocks.Held lock = locks.acquire(box);
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT id, uidl, octets, arrived, body_id FROM entries WHERE mailbox = ? ORDER BY id")) {
            ps.setString(1, box);
            List<MaildropEntry> listing = new ArrayList<>();
            Map<Long, Long> bodies = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    listing.add(new MaildropEntry(id, rs.getString(2), rs.getLong(3),
                            rs.getObject(4, OffsetDateTime.class).toInstant()));
                    bodies.put(id, rs.getLong(5));
                }
            }
            return new PgMaildrop(mailbox, lock, List.copyOf(listing), bodies);
        } catch (SQLException | RuntimeException e) {
            locks.release(lock);
            throw new StoreException("cannot list the maildrop: " + e.getMessage(), e);
        }
    }

    private final class PgMaildrop implements Maildrop {
        private final MailAddress mailbox;
        private final MaildropLocks.Held lock;
        private final List<MaildropEntry> listing;
        private final Map<Long, Long> bodies;
        private final byte[] deliveredTo;
        private boolean closed;

        PgMaildrop(MailAddress mailbox, MaildropLocks.Held lock, List<MaildropEntry> listing, Map<Long, Long> bodies) {
            this.mailbox = mailbox;
            this.lock = lock;
            this.listing = listing;
            this.bodies = bodies;
            this.deliveredTo = DeliveredTo.line(mailbox.toString());
        }

        @Override
        public MailAddress mailbox() {
            return mailbox;
        }

        @Override
        public List<MaildropEntry> listing() {
            return listing;
        }

        @Override
        public InputStream open(MaildropEntry entry) throws StoreException {
            Long bodyId = bodies.get(entry.id());
            if (bodyId == null) {
                throw new IllegalArgumentException("not an entry of this maildrop");
            }
            return new BodyStream(db, bodyId, deliveredTo, entry.octets() - deliveredTo.length);
        }

        @Override
        public void expunge(Set<MaildropEntry> entries) throws StoreException {
            if (entries.isEmpty()) {
                return;
            }
            Long[] ids = new Long[entries.size()];
            int i = 0;
            for (MaildropEntry e : entries) {
                if (!bodies.containsKey(e.id())) {
                    throw new IllegalArgumentException("not an entry of this maildrop");
                }
                ids[i++] = e.id();
            }
            int removed = db.inTransaction("cannot expunge", c -> {
                if (!MaildropLocks.stillHeld(c, lock)) {
                    throw new StoreException("the maildrop lock was lost with its database connection; nothing deleted");
                }
                return removeEntries(c, mailbox.toString(), ids);
            });
            metrics.expunged(removed);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                locks.release(lock);
            }
        }
    }

    /**
     * Deletes these entries of the mailbox (all of them, or those with {@code ids} null), lowers its
     * usage, and deletes the bodies no entry refers to any more; in the caller's transaction.
     */
    private static int removeEntries(Connection c, String box, Long[] ids) throws SQLException {
        List<Long> bodyIds = new ArrayList<>();
        long octets = 0;
        int removed = 0;
        String sql = "DELETE FROM entries WHERE mailbox = ?" + (ids != null ? " AND id = ANY (?)" : "")
                + " RETURNING body_id, octets";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, box);
            if (ids != null) {
                ps.setArray(2, c.createArrayOf("bigint", ids));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bodyIds.add(rs.getLong(1));
                    octets += rs.getLong(2);
                    removed++;
                }
            }
        }
        if (removed == 0) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mailbox_usage SET messages = messages - ?, octets = octets - ? WHERE mailbox = ?")) {
            ps.setLong(1, removed);
            ps.setLong(2, octets);
            ps.setString(3, box);
            ps.executeUpdate();
        }
        PgBodies.deleteUnreferenced(c, bodyIds);
        return removed;
    }

    // ---- Mailboxes

    @Override
    public Usage usage(String mailbox) throws StoreException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT messages, octets FROM mailbox_usage WHERE mailbox = ?")) {
            ps.setString(1, mailbox);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Usage(rs.getLong(1), rs.getLong(2)) : new Usage(0, 0);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the mailbox's usage: " + e.getMessage(), e);
        }
    }

    @Override
    public void purge(MailAddress mailbox) throws StoreException {
        metrics.expunged(db.inTransaction("cannot purge the mailbox", c -> removeEntries(c, mailbox.toString(), null)));
    }

    @Override
    public Totals totals() throws StoreException {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), (SELECT count(*) FROM entries), coalesce(sum(octets), 0)"
                     + " FROM bodies b WHERE EXISTS (SELECT 1 FROM entries e WHERE e.body_id = b.id)")) {
            rs.next();
            return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        } catch (SQLException e) {
            throw new StoreException("cannot count the mail: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        locks.close();
    }
}
