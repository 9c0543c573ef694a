package org.postkontor.store.internal.badmail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.postgres.PgBodies;
import org.postkontor.store.internal.postgres.PgDatabase;
import org.postkontor.store.internal.postgres.StagedBody;

/**
 * Badmail in PostgreSQL: one {@code badmail} row per item, its original (kept as given) a body of
 * its own, both inserted by one transaction, so an item is either whole or absent. Every node lists
 * the same items. Thread-safe.
 */
public final class PgBadmailStore implements BadmailStore {

    private static final String COLUMNS = "id, sender, recipients, client_address, helo, received, kind, code,"
            + " enhanced, text, reason_at, octets";

    private final PgDatabase db;
    private final Path tmpDir;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public PgBadmailStore(PgDatabase db, Path tmpDir, Clock clock) {
        this.db = db;
        this.tmpDir = tmpDir;
        this.clock = clock;
    }

    @Override
    public BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original)
            throws StoreException {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(original, "original");
        Instant now = BadmailFields.micros(clock.instant());
        BadmailEnvelope env = BadmailFields.envelope(envelope, now);
        BadmailReason why = BadmailFields.reason(reason, now);
        return insert(new BadmailItem(BadmailFields.newId(now, random), env, why, 0), original, false)
                .orElseThrow();
    }

    /**
     * Adds an item moved from another store as it was there (its id included); false if an item
     * with that id is here already.
     */
    public boolean importItem(BadmailItem item, InputStream original) throws StoreException {
        return insert(item, original, true).isPresent();
    }

    private Optional<BadmailItem> insert(BadmailItem item, InputStream original, boolean ifAbsent)
            throws StoreException {
        String id = item.id();
        BadmailEnvelope env = item.envelope();
        BadmailReason why = item.reason();
        Instant now = BadmailFields.micros(clock.instant());
        try (StagedBody body = StagedBody.read(original, tmpDir, false)) {
            return db.inTransaction("cannot store a badmail item", c -> {
                long bodyId = PgBodies.insert(c, id, body, now.atOffset(ZoneOffset.UTC));
                int added;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO badmail (" + COLUMNS + ", body_id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + (ifAbsent ? " ON CONFLICT DO NOTHING" : ""))) {
                    ps.setString(1, id);
                    ps.setString(2, env.sender());
                    ps.setArray(3, c.createArrayOf("text", env.recipients().toArray(new String[0])));
                    ps.setString(4, env.clientAddress());
                    ps.setString(5, env.helo());
                    ps.setObject(6, env.received().atOffset(ZoneOffset.UTC));
                    ps.setString(7, why.kind());
                    ps.setInt(8, why.code());
                    ps.setString(9, why.enhancedStatus());
                    ps.setString(10, why.text());
                    ps.setObject(11, why.at().atOffset(ZoneOffset.UTC));
                    ps.setLong(12, body.octets());
                    ps.setLong(13, bodyId);
                    added = ps.executeUpdate();
                }
                if (added == 0) {
                    c.rollback();
                    return Optional.<BadmailItem>empty();
                }
                return Optional.of(new BadmailItem(id, env, why, body.octets()));
            });
        } catch (IOException e) {
            throw new StoreException("cannot read the badmail original", e);
        }
    }

    @Override
    public List<BadmailItem> list(BadmailQuery query) throws StoreException {
        BadmailQuery q = query == null ? BadmailQuery.ALL : query;
        if (q.offset() < 0 || q.limit() < 0) {
            throw new IllegalArgumentException("offset and limit must be >= 0");
        }
        String recipient = BadmailIndex.recipientOf(q);
        String domain = BadmailIndex.domainOf(q);
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM badmail WHERE true");
        if (q.kind() != null) {
            sql.append(" AND kind = ?");
        }
        if (q.receivedBefore() != null) {
            sql.append(" AND received < ?");
        }
        sql.append(" ORDER BY received, id");
        List<BadmailItem> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            if (q.kind() != null) {
                ps.setString(i++, q.kind());
            }
            if (q.receivedBefore() != null) {
                ps.setObject(i, q.receivedBefore().atOffset(ZoneOffset.UTC));
            }
            ps.setFetchSize(500);
            c.setAutoCommit(false); // a fetch size only streams inside a transaction
            try (ResultSet rs = ps.executeQuery()) {
                int skip = q.offset();
                while (rs.next()) {
                    BadmailItem item = item(rs);
                    if (!BadmailIndex.matches(item, null, recipient, domain)) {
                        continue;
                    }
                    if (skip > 0) {
                        skip--;
                        continue;
                    }
                    out.add(item);
                    if (q.limit() > 0 && out.size() == q.limit()) {
                        break;
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot list badmail: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<BadmailItem> get(String id) throws StoreException {
        if (!BadmailFields.validId(id)) {
            return Optional.empty();
        }
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM badmail WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(item(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read badmail item " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String id) throws StoreException {
        if (!BadmailFields.validId(id)) {
            throw new NotFoundException("no such badmail item: " + id);
        }
        long bodyId;
        long octets;
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT body_id, octets FROM badmail WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no such badmail item: " + id);
                }
                bodyId = rs.getLong(1);
                octets = rs.getLong(2);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read badmail item " + id + ": " + e.getMessage(), e);
        }
        try {
            return PgBodies.open(db, bodyId, new byte[0], octets);
        } catch (StoreException e) {
            throw new NotFoundException("badmail item " + id + " was removed", e);
        }
    }

    @Override
    public boolean remove(String id) throws StoreException {
        if (!BadmailFields.validId(id)) {
            return false;
        }
        return db.inTransaction("cannot remove badmail item " + id, c -> PgBodies.deleteWithBody(c, "badmail", id));
    }

    @Override
    public BadmailTotals totals() throws StoreException {
        PgBodies.Totals t = PgBodies.totals(db, "badmail", "received");
        return new BadmailTotals(t.rows(), t.octets(), t.oldest());
    }

    private static BadmailItem item(ResultSet rs) throws SQLException {
        Array a = rs.getArray(3);
        List<String> recipients = Arrays.asList((String[]) a.getArray());
        BadmailEnvelope env = new BadmailEnvelope(rs.getString(2), recipients, rs.getString(4), rs.getString(5),
                rs.getObject(6, OffsetDateTime.class).toInstant());
        BadmailReason why = new BadmailReason(rs.getString(7), rs.getInt(8), rs.getString(9), rs.getString(10),
                rs.getObject(11, OffsetDateTime.class).toInstant());
        return new BadmailItem(rs.getString(1), env, why, rs.getLong(12));
    }
}
