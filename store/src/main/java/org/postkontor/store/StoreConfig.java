package org.postkontor.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the store keeps things, validated once. The three directories may be on different volumes.
 *
 * @param spoolDir            message bodies (its own disk in production)
 * @param indexDir            the H2 index files
 * @param badmailDir          badmail originals (its own volume in production)
 * @param freeDiskReserveBytes below this much free space on the spool, index or badmail volume,
 *                            new mail is refused with {@link InsufficientStorageException}
 * @param authCacheTtl        how long a successful password verification is remembered, so that the
 *                            same user with the same password (and an unchanged stored hash) logs in
 *                            again without the slow hash; {@link Duration#ZERO} turns the cache off
 * @param authCacheSize       most users remembered at once (least recently used go first)
 */
public record StoreConfig(Path spoolDir, Path indexDir, Path badmailDir, long freeDiskReserveBytes,
                          Duration authCacheTtl, int authCacheSize) {

    public static final long DEFAULT_FREE_DISK_RESERVE = 256L * 1024 * 1024;

    /** Dovecot's {@code auth_cache_ttl} default is 1 hour too. */
    public static final Duration DEFAULT_AUTH_CACHE_TTL = Duration.ofHours(1);

    public static final int DEFAULT_AUTH_CACHE_SIZE = 10_000;

    public StoreConfig {
        Objects.requireNonNull(spoolDir, "spoolDir");
        Objects.requireNonNull(indexDir, "indexDir");
        Objects.requireNonNull(badmailDir, "badmailDir");
        Objects.requireNonNull(authCacheTtl, "authCacheTtl");
        if (freeDiskReserveBytes < 0) {
            throw new IllegalArgumentException("free disk reserve must be >= 0");
        }
        if (authCacheTtl.isNegative()) {
            throw new IllegalArgumentException("auth cache TTL must be >= 0");
        }
        if (authCacheSize < 1) {
            throw new IllegalArgumentException("auth cache size must be >= 1");
        }
    }

    /** The given places and reserve, with the default auth cache. */
    public StoreConfig(Path spoolDir, Path indexDir, Path badmailDir, long freeDiskReserveBytes) {
        this(spoolDir, indexDir, badmailDir, freeDiskReserveBytes, DEFAULT_AUTH_CACHE_TTL, DEFAULT_AUTH_CACHE_SIZE);
    }

    /** spool/, index/ and badmail/ under one data directory, default reserve and auth cache. */
    public static StoreConfig under(Path dataDir) {
        return new StoreConfig(dataDir.resolve("spool"), dataDir.resolve("index"), dataDir.resolve("badmail"),
                DEFAULT_FREE_DISK_RESERVE);
    }

    /** This config with another auth cache; a {@code ttl} of zero turns it off. */
    public StoreConfig withAuthCache(Duration ttl, int size) {
        return new StoreConfig(spoolDir, indexDir, badmailDir, freeDiskReserveBytes, ttl, size);
    }
}
