package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postkontor.store.StoreException;

/**
 * The embedded H2 index: opened once per process, migrated by Flyway, used through
 * {@link #read} and {@link #write}. A write returns only after its transaction is committed and
 * the index file is synced ({@code CHECKPOINT SYNC}), so admin changes survive a crash.
 * Deliveries batch many rows into one {@link #write} (group commit).
 */
public final class Database implements AutoCloseable {

    /** One unit of SQL work on a connection in a transaction; the caller commits nothing. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException, StoreException;
    }

    private final JdbcConnectionPool pool;

    private Database(JdbcConnectionPool pool) {
        this.pool = pool;
    }

    public static Database open(Path indexDir) throws StoreException {
        try {
            Files.createDirectories(indexDir);
        } catch (IOException e) {
            throw new StoreException("cannot create index directory", e);
        }
        String url = "jdbc:h2:file:" + indexDir.toAbsolutePath().resolve("postkontor")
                + ";DB_CLOSE_ON_EXIT=FALSE;AUTO_SERVER=FALSE";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "postkontor", "");
        pool.setMaxConnections(32);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.dispose();
            throw new StoreException("cannot migrate the index", e);
        }
        return new Database(pool);
    }

    /** Runs read-only work. */
    public <T> T read(Work<T> work) throws StoreException {
        try (Connection c = pool.getConnection()) {
            c.setReadOnly(true);
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("index read failed", e);
        }
    }

    /**
     * Runs work in one transaction, commits, and syncs the index to disk before returning: once
     * it returns, the change survives a process kill and a power loss.
     */
    public <T> T write(Work<T> work) throws StoreException {
        return transaction(work, true);
    }

    /** Makes every transaction committed so far durable (see {@link #sync(Connection)}). */
    public void sync() throws StoreException {
        try (Connection c = pool.getConnection()) {
            sync(c);
        } catch (SQLException e) {
            throw new StoreException("index sync failed", e);
        }
    }

    /**
     * Runs work in one committed transaction without forcing it to disk: a crash may lose it.
     * For state that startup rebuilds anyway (maildrop locks, finished deletions), and for the
     * spool's group commit, which calls {@link #sync()} before it acknowledges anything.
     */
    public <T> T writeUnsynced(Work<T> work) throws StoreException {
        return transaction(work, false);
    }

    private <T> T transaction(Work<T> work, boolean sync) throws StoreException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                if (sync) {
                    sync(c);
                }
                return result;
            } catch (SQLException | StoreException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("index write failed", e);
        }
    }

    /**
     * Makes every committed transaction durable. H2 2.x (MVStore) keeps commits in memory and
     * writes them in the background after WRITE_DELAY (500 ms), so a commit alone does not
     * survive even a process kill. {@code CHECKPOINT SYNC} runs {@code Store.sync()}: it stores
     * all pending changes as a new chunk ({@code MVStore.commit()}, or a compaction that also
     * writes them) and then forces the file ({@code FileChannel.force}). The crash test in
     * {@code CrashTest} proves the result.
     */
    private static void sync(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    @Override
    public void close() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            // already closed
        }
        pool.dispose();
    }
}
