package org.postkontor.store.internal.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Which node does the once-per-cluster work (the outbound delivery, badmail retention): the one
 * holding a session advisory lock on a connection of its own. Whoever asks first gets it and keeps
 * it as long as its connection lives; when the node dies the database frees the lock and the next
 * node to ask takes over. A node that loses its connection stops leading at its next question.
 * Thread-safe.
 */
public final class Leadership implements AutoCloseable {

    private final PgDatabase db;
    private final long key;
    private Connection conn; // guarded by this
    private boolean held; // guarded by this

    public Leadership(PgDatabase db) {
        this.db = db;
        this.key = MaildropLocks.key(db.schema(), "\u0000postkontor cluster leader");
    }

    /** Does this node lead now? Takes the lead if nobody has it. Never throws: no database, no lead. */
    public synchronized boolean leads() {
        try {
            if (conn != null && !conn.isValid(2)) {
                drop();
            }
            if (conn == null) {
                conn = db.dedicated();
            }
            if (!held) {
                try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    ps.setLong(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        held = rs.getBoolean(1);
                    }
                }
            }
            return held;
        } catch (SQLException e) {
            drop();
            return false;
        }
    }

    private void drop() {
        held = false;
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException e) {
                // gone already
            }
            conn = null;
        }
    }

    @Override
    public synchronized void close() {
        drop();
    }
}
