package org.postkontor.store.internal.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.StoreException;

/**
 * POP3's exclusive maildrop lock across nodes: a PostgreSQL session advisory lock per mailbox, all
 * of a node's held on one connection of its own, plus a set of this node's holders (advisory locks
 * are re-entrant within a session, so two sessions on one node would otherwise both get one). A
 * node that dies loses its connection and with it every lock it held: the database frees them as
 * soon as it sees the connection close (at once for a killed process, within the TCP keepalive
 * time for a dead machine). A lost lock connection is opened again by the next call; a session
 * whose lock went with the old one can no longer expunge ({@link #stillHeld}). Thread-safe.
 */
final class MaildropLocks implements AutoCloseable {

    /** One held lock: the mailbox, its advisory key, and the backend that holds it. */
    record Held(String mailbox, long key, int backendPid) {}

    private final PgDatabase db;
    private final Set<String> local = ConcurrentHashMap.newKeySet();
    private Connection conn; // guarded by this
    private int pid; // guarded by this

    MaildropLocks(PgDatabase db) {
        this.db = db;
    }

    /**
     * Takes the mailbox's lock.
     *
     * @throws MailboxInUseException another session, on this node or another, holds it
     * @throws StoreException the database cannot be reached
     */
    Held acquire(String mailbox) throws StoreException {
        if (!local.add(mailbox)) {
            throw new MailboxInUseException("maildrop is locked by another session");
        }
        try {
            Held h = tryLock(mailbox, key(db.schema(), mailbox));
            if (h == null) {
                throw new MailboxInUseException("maildrop is locked by a session on another node");
            }
            return h;
        } catch (StoreException | RuntimeException e) {
            local.remove(mailbox);
            throw e;
        }
    }

    private synchronized Held tryLock(String mailbox, long key) throws StoreException {
        for (int attempt = 0; ; attempt++) {
            boolean fresh = conn == null;
            try {
                Connection c = connection();
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    ps.setLong(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getBoolean(1) ? new Held(mailbox, key, pid) : null;
                    }
                }
            } catch (SQLException e) {
                drop();
                if (fresh || attempt > 0) {
                    throw new StoreException("cannot lock the maildrop: " + e.getMessage(), e);
                }
                // the kept connection had died since its last use: once more on a new one
            }
        }
    }

    /** Releases the lock (if its connection still has it); never throws. */
    void release(Held h) {
        try {
            synchronized (this) {
                if (conn != null && pid == h.backendPid()) {
                    try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                        ps.setLong(1, h.key());
                        ps.execute();
                    } catch (SQLException e) {
                        drop(); // its locks are gone with it
                    }
                }
            }
        } finally {
            local.remove(h.mailbox());
        }
    }

    /**
     * SQL for a transaction that must only commit while the lock is held: selects a row exactly when
     * backend {@code ?1} holds the advisory lock whose key's high and low halves are {@code ?2}, {@code ?3}.
     */
    static final String STILL_HELD = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            + " AND pid = ? AND objsubid = 1 AND classid = (?::bigint)::oid AND objid = (?::bigint)::oid";

    /** Is the lock still held, as the transaction on {@code c} sees it? */
    static boolean stillHeld(Connection c, Held h) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STILL_HELD)) {
            ps.setInt(1, h.backendPid());
            ps.setLong(2, h.key() >>> 32); // a bigint key shows as its high and low 32 bits
            ps.setLong(3, h.key() & 0xFFFF_FFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private Connection connection() throws SQLException {
        if (conn == null) {
            Connection c = db.dedicated();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                pid = rs.getInt(1);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            conn = c;
        }
        return conn;
    }

    private void drop() {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException e) {
                // gone already
            }
            conn = null;
            pid = 0;
        }
    }

    /** The advisory key of a mailbox in a schema: 64 bits of SHA-256, so no two mailboxes share one. */
    static long key(String schema, String mailbox) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(schema.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(mailbox.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        drop();
        local.clear();
    }
}
