package org.postkontor.store.internal.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.postkontor.store.StoreException;
import org.postkontor.store.postgresql.PostgresConfig;

/**
 * The PostgreSQL database of the postgresql backend: a HikariCP pool for short transactions, new
 * connections of their own for what holds one open (the maildrop locks, the change listener), and
 * the migrations. Every connection runs with {@code synchronous_commit = on} whatever the server's
 * default, so a commit is on the database's disk (and its synchronous standbys) before it returns.
 * Thread-safe.
 */
public final class PgDatabase implements AutoCloseable {

    /** How long a caller waits for a pooled connection before the store says "not now" (451, [SYS/TEMP]). */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private static final String INIT_SQL = "SET synchronous_commit = on";

    private final PostgresConfig config;
    private final HikariDataSource pool;
    private final String schema;

    private PgDatabase(PostgresConfig config, HikariDataSource pool, String schema) {
        this.config = config;
        this.pool = pool;
        this.schema = schema;
    }

    /** Connects, migrates the accounts and mail tables (each with its own history table) and returns the pool. */
    public static PgDatabase open(PostgresConfig config) throws StoreException {
        HikariConfig h = new HikariConfig();
        h.setPoolName("postkontor-pg");
        h.setJdbcUrl(config.jdbcUrl());
        h.setUsername(config.user());
        h.setPassword(config.password());
        h.setMaximumPoolSize(config.poolSize());
        h.setMinimumIdle(Math.min(2, config.poolSize()));
        h.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        h.setValidationTimeout(Math.min(CONNECTION_TIMEOUT.toMillis(), 3000));
        h.setConnectionInitSql(INIT_SQL);
        // a store that cannot reach its database at start still opens, and says "not now" until it can
        h.setInitializationFailTimeout(-1);
        h.addDataSourceProperty("tcpKeepAlive", "true");
        HikariDataSource pool = new HikariDataSource(h);
        try {
            migrate(pool, "classpath:db/accounts", "accounts_schema_history");
            migrate(pool, "classpath:db/postgresql", "mail_schema_history");
            String schema;
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_schema()")) {
                rs.next();
                schema = rs.getString(1);
            }
            return new PgDatabase(config, pool, schema);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw new StoreException("cannot open the PostgreSQL store at " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    private static void migrate(HikariDataSource pool, String location, String historyTable) {
        Flyway.configure().dataSource(pool).locations(location).table(historyTable)
                .baselineOnMigrate(true).baselineVersion("0").load().migrate();
    }

    /** A pooled connection (auto-commit on); the caller closes it. */
    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /**
     * A connection of its own, not from the pool, for a caller that keeps it open (session-level
     * advisory locks, LISTEN). The caller closes it.
     */
    public Connection dedicated() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", config.user());
        if (config.password() != null) {
            p.setProperty("password", config.password());
        }
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("connectTimeout", Long.toString(CONNECTION_TIMEOUT.toSeconds()));
        Connection c = DriverManager.getConnection(config.jdbcUrl(), p);
        try (Statement s = c.createStatement()) {
            s.execute(INIT_SQL);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Work inside one transaction; see {@link #inTransaction}. */
    @FunctionalInterface
    public interface Transaction<T> {
        T run(Connection c) throws SQLException, IOException, StoreException;
    }

    /**
     * Runs {@code work} in one transaction on a pooled connection: committed when it returns (work
     * that calls {@code c.rollback()} itself leaves nothing to commit), rolled back when it throws.
     * A failure of the database or of reading the caller's input is a {@link StoreException} that
     * starts with {@code what}.
     */
    public <T> T inTransaction(String what, Transaction<T> work) throws StoreException {
        try (Connection c = connection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | IOException | StoreException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException | IOException e) {
            throw new StoreException(what + ": " + e.getMessage(), e);
        }
    }

    /** Rolls back what is left of a transaction whose connection may be gone already. */
    public static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is gone; so is the transaction
        }
    }

    /** The schema the store's tables are in (the URL's {@code currentSchema}, else {@code public}). */
    public String schema() {
        return schema;
    }

    @Override
    public void close() {
        pool.close();
    }
}
