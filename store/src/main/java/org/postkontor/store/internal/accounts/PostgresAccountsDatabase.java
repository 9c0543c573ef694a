package org.postkontor.store.internal.accounts;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.postgres.PgDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts in the shared PostgreSQL database: the tables are the record of truth, a commit is
 * durable ({@code synchronous_commit} on), and every node keeps its {@link AccountsView} equal to
 * them. A node applies its own writes' row images at once, as the embedded store does; every write
 * also notifies the channel {@code postkontor_accounts_<schema>} in its transaction, and each
 * node's listener reads all rows again when another node's write commits, and after every
 * (re)connection, since it may have missed some. So an RCPT on any node sees an admin change made
 * on another within milliseconds of its commit, and never costs a query. Thread-safe.
 */
public final class PostgresAccountsDatabase implements AccountsDatabase {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final PgDatabase db;
    private final AccountsView view = new AccountsView();
    private final String channel;
    /** Tells this node's notifications from the others'. */
    private final String node;
    /** Writes and reloads one at a time, so that a reload never puts back what a newer local write changed. */
    private final ReentrantLock writer = new ReentrantLock();
    private final Thread listener;
    /** The listener's connection, closed by {@link #close()} to end its wait at once. */
    private volatile Connection listening;
    private volatile boolean closed;

    private PostgresAccountsDatabase(PgDatabase db) {
        this.db = db;
        this.channel = "postkontor_accounts_" + db.schema().replaceAll("[^A-Za-z0-9_]", "_");
        byte[] nonce = new byte[8];
        new SecureRandom().nextBytes(nonce);
        this.node = HexFormat.of().formatHex(nonce);
        this.listener = Thread.ofPlatform().daemon().name("postkontor-accounts-listener").unstarted(this::listen);
    }

    /** Reads every row into the view and starts listening for other nodes' changes. */
    public static PostgresAccountsDatabase open(PgDatabase db) throws StoreException {
        PostgresAccountsDatabase a = new PostgresAccountsDatabase(db);
        a.reload();
        a.listener.start();
        return a;
    }

    @Override
    public AccountsView view() {
        return view;
    }

    @Override
    public <T> T read(Work<T> work) throws StoreException {
        try (Connection c = db.connection()) {
            c.setReadOnly(true);
            try {
                return work.run(c);
            } finally {
                c.setReadOnly(false);
            }
        } catch (SQLException e) {
            throw new StoreException("accounts read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public <T> T write(WriteWork<T> work) throws StoreException {
        writer.lock();
        try (Connection c = db.connection()) {
            if (closed) {
                throw new StoreException("the accounts are closed");
            }
            c.setAutoCommit(false);
            try {
                Changes changes = new Changes();
                T result = work.run(c, changes);
                List<RowChange> images = changes.images(c);
                if (!images.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                        ps.setString(1, channel);
                        ps.setString(2, node);
                        ps.execute();
                    }
                }
                c.commit();
                for (RowChange image : RowChange.order(images)) {
                    view.apply(image);
                }
                return result;
            } catch (SQLException | StoreException | RuntimeException e) {
                PgDatabase.rollbackQuietly(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("accounts write failed: " + e.getMessage(), e);
        } finally {
            writer.unlock();
        }
    }

    /** Makes the view equal to the tables as one read-only transaction sees them. */
    private void reload() throws StoreException {
        writer.lock();
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                List<RowChange> rows = new ArrayList<>();
                for (Table t : Table.values()) {
                    for (Map<String, String> row : RowCodec.readAll(c, t)) {
                        rows.add(RowChange.put(t, row));
                    }
                }
                view.replaceAll(rows);
            } finally {
                c.rollback();
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the accounts: " + e.getMessage(), e);
        } finally {
            writer.unlock();
        }
    }

    private void listen() {
        long backoffMillis = 250;
        while (!closed) {
            try (Connection c = db.dedicated()) {
                listening = c;
                if (closed) {
                    return;
                }
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN \"" + channel + "\"");
                }
                reload(); // what changed while nobody listened
                backoffMillis = 250;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(1000);
                    if (got != null && foreign(got)) {
                        reload();
                    }
                }
            } catch (SQLException | StoreException e) {
                if (closed) {
                    return;
                }
                log.warn("accounts: lost the change listener's connection ({}); again in {} ms", e.getMessage(),
                        backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 5000);
            }
        }
    }

    private boolean foreign(PGNotification[] got) {
        for (PGNotification n : got) {
            if (!node.equals(n.getParameter())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
        Connection c = listening;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // it is going anyway
            }
        }
        try {
            listener.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
