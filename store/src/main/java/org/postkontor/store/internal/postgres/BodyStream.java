package org.postkontor.store.internal.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.postkontor.store.StoreException;

/**
 * An entry's bytes as RETR sends them: its {@code Delivered-To:} line, then the body's chunks, each
 * read by a query of its own on a pooled connection as the reader gets to it (so a slow client holds
 * no connection, and a large message is never in memory whole). The first chunk is read at once, so
 * that a missing body or an unreachable database is the opener's {@link StoreException}.
 */
final class BodyStream extends InputStream {

    private final PgDatabase db;
    private final long bodyId;
    private final long bodyOctets;
    private byte[] current;
    private int pos;
    private int nextSeq;
    private long served;

    BodyStream(PgDatabase db, long bodyId, byte[] deliveredTo, long bodyOctets) throws StoreException {
        this.db = db;
        this.bodyId = bodyId;
        this.bodyOctets = bodyOctets;
        this.current = deliveredTo;
        if (bodyOctets > 0) {
            try {
                byte[] first = chunk(0);
                byte[] both = new byte[deliveredTo.length + first.length];
                System.arraycopy(deliveredTo, 0, both, 0, deliveredTo.length);
                System.arraycopy(first, 0, both, deliveredTo.length, first.length);
                this.current = both;
                this.served = first.length;
                this.nextSeq = 1;
            } catch (IOException e) {
                throw new StoreException("cannot read the message from the database: " + e.getMessage(), e);
            }
        }
    }

    private byte[] chunk(int seq) throws IOException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT data FROM body_chunks WHERE body_id = ? AND seq = ?")) {
            ps.setLong(1, bodyId);
            ps.setInt(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IOException("message " + bodyId + " has no part " + seq + " (removed meanwhile?)");
                }
                return rs.getBytes(1);
            }
        } catch (SQLException e) {
            throw new IOException("cannot read message " + bodyId + " from the database: " + e.getMessage(), e);
        }
    }

    private boolean fill() throws IOException {
        while (pos == current.length) {
            if (served >= bodyOctets) {
                return false;
            }
            current = chunk(nextSeq++);
            pos = 0;
            served += current.length;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }
}
