package org.postkontor.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the store keeps things, validated once. The three directories may be on different volumes.
 *
 * @param spoolDir            message bodies (its own disk in production)
 * @param indexDir            the H2 index files
 * @param badmailDir          badmail originals (its own volume in production)
 * @param freeDiskReserveBytes below this much free space on the spool, index or badmail volume,
 *                            new mail is refused with {@link InsufficientStorageException}
 */
public record StoreConfig(Path spoolDir, Path indexDir, Path badmailDir, long freeDiskReserveBytes) {

    public static final long DEFAULT_FREE_DISK_RESERVE = 256L * 1024 * 1024;

    public StoreConfig {
        Objects.requireNonNull(spoolDir, "spoolDir");
        Objects.requireNonNull(indexDir, "indexDir");
        Objects.requireNonNull(badmailDir, "badmailDir");
        if (freeDiskReserveBytes < 0) {
            throw new IllegalArgumentException("free disk reserve must be >= 0");
        }
    }

    /** spool/, index/ and badmail/ under one data directory, default reserve. */
    public static StoreConfig under(Path dataDir) {
        return new StoreConfig(dataDir.resolve("spool"), dataDir.resolve("index"), dataDir.resolve("badmail"),
                DEFAULT_FREE_DISK_RESERVE);
    }
}
