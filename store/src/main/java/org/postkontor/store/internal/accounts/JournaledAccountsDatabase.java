package org.postkontor.store.internal.accounts;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Domains, users and aliases in an in-memory H2 database (migrated by Flyway, used through JDBC
 * only), made durable by the {@link AccountsJournal}: every {@link #write} journals the images of
 * the rows it changed, fsynced, before it commits, and every start rebuilds the database from the
 * journal's snapshot and lines. So an acknowledged admin change survives any kill, and no start
 * has a database file to repair: H2's own file format never holds the truth.
 *
 * <p>Writes are serialized (one writer at a time; admin changes and password upgrades are rare);
 * reads run concurrently on pooled connections and see committed changes. The mail paths read an
 * {@link AccountsView} instead, kept equal to the tables by the same row images the journal gets.
 * Thread-safe.
 */
public final class JournaledAccountsDatabase implements AccountsDatabase {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final JdbcConnectionPool pool;
    private final AccountsJournal journal;
    private final AccountsView view;
    private final ReentrantLock writer = new ReentrantLock();
    private boolean closed;

    private JournaledAccountsDatabase(JdbcConnectionPool pool, AccountsJournal journal, AccountsView view) {
        this.pool = pool;
        this.journal = journal;
        this.view = view;
    }

    @Override
    public AccountsView view() {
        return view;
    }

    /**
     * Builds the accounts from the snapshot and journal under {@code indexDir}. Where there are
     * none but an index file of the version before them, its accounts are taken over first
     * ({@link LegacyAccounts}).
     */
    public static JournaledAccountsDatabase open(Path indexDir, DurableFiles indexFiles) throws StoreException {
        byte[] nonce = new byte[6];
        new SecureRandom().nextBytes(nonce);
        String url = "jdbc:h2:mem:postkontor-accounts-" + HexFormat.of().formatHex(nonce) + ";DB_CLOSE_DELAY=-1"
                // more parsed statements per connection than H2's default of 8: RCPT and login
                // lookups and the admin use more distinct ones
                + ";QUERY_CACHE_SIZE=64";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "postkontor", "");
        pool.setMaxConnections(32);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/accounts").load().migrate();
            if (!AccountsJournal.exists(indexDir) && LegacyAccounts.present(indexDir)) {
                LegacyAccounts.takeOver(indexDir, indexFiles);
            }
            AccountsJournal.Opened opened;
            AccountsView view = new AccountsView();
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                opened = AccountsJournal.open(indexDir, indexFiles, c);
                if (opened.lines() > 0) {
                    opened.journal().compact(c); // a short journal makes the next start short too
                }
                for (Table t : Table.values()) {
                    for (Map<String, String> row : RowCodec.readAll(c, t)) {
                        view.apply(RowChange.put(t, row));
                    }
                }
            }
            if (opened.replayed() > 0) {
                log.info("accounts: {} journaled change(s) replayed after the snapshot", opened.replayed());
            }
            return new JournaledAccountsDatabase(pool, opened.journal(), view);
        } catch (IOException | SQLException | RuntimeException e) {
            pool.dispose();
            throw new StoreException("cannot open the accounts under " + indexDir, e);
        } catch (StoreException e) {
            pool.dispose();
            throw e;
        }
    }

    @Override
    public <T> T read(Work<T> work) throws StoreException {
        try (Connection c = pool.getConnection()) {
            c.setReadOnly(true);
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("accounts read failed", e);
        }
    }

    /**
     * Runs work in one transaction, journals the rows it changed (fsynced) and commits: once it
     * returns, the change survives a kill and a power loss. If the journal cannot be written, the
     * transaction is rolled back and the caller gets a {@link StoreException}.
     */
    @Override
    public <T> T write(WriteWork<T> work) throws StoreException {
        writer.lock();
        try (Connection c = pool.getConnection()) {
            if (closed) {
                throw new StoreException("the accounts are closed");
            }
            c.setAutoCommit(false);
            try {
                Changes changes = new Changes();
                T result = work.run(c, changes);
                List<RowChange> images = changes.images(c);
                if (!images.isEmpty()) {
                    journal.append(images);
                }
                c.commit();
                for (RowChange image : RowChange.order(images)) {
                    view.apply(image);
                }
                compactIfLarge(c);
                return result;
            } catch (IOException e) {
                c.rollback();
                throw new StoreException("cannot journal an accounts change", e);
            } catch (SQLException | StoreException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("accounts write failed", e);
        } finally {
            writer.unlock();
        }
    }

    private void compactIfLarge(Connection c) {
        try {
            if (journal.large()) {
                journal.compact(c);
            }
        } catch (IOException | SQLException e) {
            log.warn("cannot fold the accounts journal into a snapshot now; it keeps growing: {}", e.toString());
        }
    }

    /** A snapshot of every account row, consistent (taken between writes), in the journal's format. */
    public byte[] snapshot() throws StoreException {
        writer.lock();
        try (Connection c = pool.getConnection()) {
            return journal.snapshotBytes(c);
        } catch (SQLException e) {
            throw new StoreException("cannot snapshot the accounts", e);
        } finally {
            writer.unlock();
        }
    }

    /** Folds the journal into the snapshot, shuts the in-memory database down. */
    @Override
    public void close() {
        writer.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try (Connection c = pool.getConnection()) {
                journal.compact(c);
            } catch (IOException | SQLException e) {
                log.warn("cannot fold the accounts journal into a snapshot at close (the next start replays it): {}",
                        e.toString());
            }
            journal.close();
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (SQLException e) {
                // already gone
            }
            pool.dispose();
        } finally {
            writer.unlock();
        }
    }
}
