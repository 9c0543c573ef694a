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

    /** Runs work in one transaction, commits, and syncs the index to disk before returning. */
    public <T> T write(Work<T> work) throws StoreException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                sync(c);
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
