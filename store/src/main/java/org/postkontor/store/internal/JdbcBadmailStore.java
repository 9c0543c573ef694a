package org.postkontor.store.internal;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;

/**
 * {@link BadmailStore} as durable files under the badmail directory, indexed in
 * {@code badmail_items}/{@code badmail_recipients}. Call {@link #reconcile()} once at startup,
 * before the store serves.
 */
public final class JdbcBadmailStore implements BadmailStore {

    /** What {@link #reconcile()} found and handled. */
    public record Reconciliation(int tempFilesRemoved, int orphanFiles, int missingFiles) {}

    private final Database db;
    private final Path badmailDir;
    private final long freeDiskReserveBytes;
    private final Clock clock;
    private final StoreMetrics metrics;

    public JdbcBadmailStore(Database db, Path badmailDir, long freeDiskReserveBytes, Clock clock,
                            StoreMetrics metrics) {
        this.db = Objects.requireNonNull(db, "db");
        this.badmailDir = Objects.requireNonNull(badmailDir, "badmailDir");
        this.freeDiskReserveBytes = freeDiskReserveBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Startup reconciliation of files against rows: temp files removed, files without a row and
     * rows without a file handled and counted. Call before the first {@link #put}.
     */
    public Reconciliation reconcile() throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original)
            throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public List<BadmailItem> list(BadmailQuery query) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Optional<BadmailItem> get(String id) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public InputStream open(String id) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public boolean remove(String id) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public BadmailTotals totals() throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }
}
