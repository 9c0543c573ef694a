package org.postkontor.store.internal.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.postkontor.store.StoreException;

/**
 * Message bytes in {@code bodies} and {@code body_chunks}: mailbox entries, badmail originals and
 * queued outbound messages all keep theirs here, written in the caller's transaction and read
 * back a chunk at a time ({@link BodyStream}).
 */
public final class PgBodies {

    /** Bytes per {@code body_chunks} row: a reader holds one at a time. */
    static final int CHUNK = 256 * 1024;

    private PgBodies() {}

    /** Inserts the body and its chunks in the transaction on {@code c}; returns its id. */
    public static long insert(Connection c, String queueId, StagedBody body, OffsetDateTime arrived)
            throws SQLException, IOException {
        if (body.octets() > 0 && body.octets() <= CHUNK) {
            // the common case in one round trip: the body row and its only chunk
            try (InputStream in = body.open(); PreparedStatement ps = c.prepareStatement(
                    "WITH b AS (INSERT INTO bodies (queue_id, octets, arrived) VALUES (?, ?, ?) RETURNING id)"
                            + " INSERT INTO body_chunks (body_id, seq, data) SELECT id, 0, ? FROM b RETURNING body_id")) {
                ps.setString(1, queueId);
                ps.setLong(2, body.octets());
                ps.setObject(3, arrived);
                ps.setBytes(4, in.readAllBytes());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }
        long bodyId;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO bodies (queue_id, octets, arrived) VALUES (?, ?, ?) RETURNING id")) {
            ps.setString(1, queueId);
            ps.setLong(2, body.octets());
            ps.setObject(3, arrived);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                bodyId = rs.getLong(1);
            }
        }
        try (InputStream in = body.open();
             PreparedStatement ps = c.prepareStatement("INSERT INTO body_chunks (body_id, seq, data) VALUES (?, ?, ?)")) {
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(body.octets(), 0))];
            for (int seq = 0; ; seq++) {
                int n = in.readNBytes(chunk, 0, chunk.length);
                if (n <= 0) {
                    break;
                }
                ps.setLong(1, bodyId);
                ps.setInt(2, seq);
                ps.setBytes(3, n == chunk.length ? chunk : Arrays.copyOf(chunk, n));
                ps.executeUpdate();
            }
        }
        return bodyId;
    }

    /** The body's bytes after {@code prefix}; see {@link BodyStream}. */
    public static InputStream open(PgDatabase db, long bodyId, byte[] prefix, long bodyOctets)
            throws StoreException {
        return new BodyStream(db, bodyId, prefix, bodyOctets);
    }

    /**
     * Deletes the row {@code id} of {@code table} (badmail, outbound: a table with a {@code body_id})
     * and its body, in the caller's transaction; false if there was no such row.
     */
    public static boolean deleteWithBody(Connection c, String table, String id) throws SQLException {
        Long bodyId = null;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE id = ? RETURNING body_id")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    bodyId = rs.getLong(1);
                }
            }
        }
        if (bodyId == null) {
            return false;
        }
        deleteUnreferenced(c, List.of(bodyId));
        return true;
    }

    /** Rows, their octets and the oldest time of a table with {@code octets} and a time column. */
    public record Totals(long rows, long octets, Optional<Instant> oldest) {}

    public static Totals totals(PgDatabase db, String table, String timeColumn) throws StoreException {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(octets), 0), min(" + timeColumn + ") FROM "
                     + table)) {
            rs.next();
            OffsetDateTime oldest = rs.getObject(3, OffsetDateTime.class);
            return new Totals(rs.getLong(1), rs.getLong(2), Optional.ofNullable(oldest).map(OffsetDateTime::toInstant));
        } catch (SQLException e) {
            throw new StoreException("cannot count " + table + ": " + e.getMessage(), e);
        }
    }

    /** Deletes these bodies where no mailbox entry, badmail item or queued message refers to them any more. */
    public static void deleteUnreferenced(Connection c, Collection<Long> bodyIds) throws SQLException {
        if (bodyIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM bodies b WHERE b.id = ANY (?)"
                + " AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.body_id = b.id)"
                + " AND NOT EXISTS (SELECT 1 FROM badmail m WHERE m.body_id = b.id)"
                + " AND NOT EXISTS (SELECT 1 FROM outbound o WHERE o.body_id = b.id)")) {
            ps.setArray(1, c.createArrayOf("bigint", bodyIds.toArray(new Long[0])));
            ps.executeUpdate();
        }
    }
}
