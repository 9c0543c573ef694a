package org.postkontor.store.postgresql;

import java.util.Objects;

/**
 * Where the postgresql backend's database is.
 *
 * @param jdbcUrl  {@code jdbc:postgresql://host:port/database}, optionally with
 *                 {@code ?currentSchema=name} to keep the tables in a schema of their own
 * @param user     the role the store connects as (it creates its tables on first start)
 * @param password the role's password, or null for trust or peer authentication
 * @param poolSize most pooled connections this node holds (each delivery and each POP3 command
 *                 needs one for a few milliseconds; the maildrop locks and the change listener use
 *                 one more each)
 */
public record PostgresConfig(String jdbcUrl, String user, String password, int poolSize) {

    public static final int DEFAULT_POOL_SIZE = 16;

    public PostgresConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("pool size must be >= 1");
        }
    }

    @Override
    public String toString() {
        return "PostgresConfig[" + jdbcUrl + ", user " + user + ", pool " + poolSize + "]";
    }
}
