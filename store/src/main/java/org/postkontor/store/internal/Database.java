package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.jdbcx.JdbcConnectionPool;
import org.h2.mvstore.MVStore;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded H2 index: opened once per process, migrated by Flyway, used through
 * {@link #read} and {@link #write}. A write returns only after its transaction is committed and
 * the index file is synced ({@link #sync()}), so admin changes survive a crash.
 * Deliveries batch many rows into one {@link #write} (group commit).
 */
public final class Database implements AutoCloseable {

    /** One unit of SQL work on a connection in a transaction; the caller commits nothing. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException, StoreException;
    }

    private static final int COMPACT_EVERY_SYNCS = 256;
    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final JdbcConnectionPool pool;
    private final AtomicLong syncs = new AtomicLong();
    /** Guards {@link #syncWanted} and {@link #closing}; a lock, so virtual threads never pin. */
    private final ReentrantLock syncState = new ReentrantLock();
    /** Held through each {@link #sync(Connection)}, so that syncs never overlap. */
    private final ReentrantLock syncLock = new ReentrantLock();
    private final Condition syncRequested = syncState.newCondition();
    private boolean syncWanted;
    private boolean closing;
    private volatile Consumer<Duration> syncTimes = d -> { };
    private final Thread syncer;

    private Database(JdbcConnectionPool pool) {
        this.pool = pool;
        this.syncer = Thread.ofPlatform().name("postkontor-index-sync").daemon().unstarted(this::syncLoop);
        this.syncer.start();
    }

    public static Database open(Path indexDir) throws StoreException {
        try {
            Files.createDirectories(indexDir);
        } catch (IOException e) {
            throw new StoreException("cannot create index directory", e);
        }
        String url = "jdbc:h2:file:" + indexDir.toAbsolutePath().resolve("postkontor")
                + ";DB_CLOSE_ON_EXIT=FALSE;AUTO_SERVER=FALSE"
                // No background writer: its housekeeping can move chunks while it holds H2's
                // "store in progress" flag but not the store lock, and then a commit() of ours
                // silently stores nothing (see sync). We store, compact and sync ourselves.
                + ";WRITE_DELAY=0"
                // Each pooled connection keeps this many parsed statements (H2's default is 8):
                // SMTP's recipient checks and group commit and POP3's sessions use more than 8
                // distinct ones, and re-parsing them was a visible share of the ingest's CPU.
                + ";QUERY_CACHE_SIZE=64";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "postkontor", "");
        pool.setMaxConnections(32);
        try (Connection c = pool.getConnection()) {
            StaleChanges.finish(c); // before any statement could lock such a row
        } catch (SQLException | RuntimeException e) {
            pool.dispose();
            throw new StoreException("cannot open the index", e);
        }
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

    /** Reports how long each background sync ({@link #syncSoon}) took (store metrics). */
    void onBackgroundSync(Consumer<Duration> listener) {
        this.syncTimes = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Asks the index syncer to make every transaction committed so far durable, soon, and returns
     * at once. For index state the spool's files already record (deliveries, removals): a crash
     * before the sync loses only rows that the next start rebuilds ({@link Reconciler}), so the
     * caller need not wait for the index's fsync. Requests made while a sync runs are served by
     * one more sync after it: under load the syncer runs back to back, each sync covering every
     * commit made meanwhile.
     */
    public void syncSoon() {
        syncState.lock();
        try {
            syncWanted = true;
            syncRequested.signal();
        } finally {
            syncState.unlock();
        }
    }

    private void syncLoop() {
        while (true) {
            syncState.lock();
            try {
                while (!syncWanted && !closing) {
                    syncRequested.awaitUninterruptibly();
                }
                if (!syncWanted) {
                    return; // closing, nothing left to sync
                }
                syncWanted = false;
            } finally {
                syncState.unlock();
            }
            long start = System.nanoTime();
            try {
                sync();
                syncTimes.accept(Duration.ofNanos(System.nanoTime() - start));
            } catch (StoreException | RuntimeException e) {
                // the spool has what these commits recorded; the next start rebuilds what is lost
                log.error("index sync failed; retrying in 1 s: {}", e.toString());
                syncState.lock();
                try {
                    if (closing) {
                        return; // the shutdown stores what it can; the next start rebuilds the rest
                    }
                    syncWanted = true;
                    // a full second, whatever asks meanwhile: a failing disk is not retried per batch
                    long left = TimeUnit.SECONDS.toNanos(1);
                    while (left > 0 && !closing) {
                        left = syncRequested.awaitNanos(left);
                    }
                } catch (InterruptedException ie) {
                    return;
                } finally {
                    syncState.unlock();
                }
            }
        }
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
     * For state that startup rebuilds anyway: maildrop locks, finished deletions, and the mail
     * rows of the group commit and of expunges, which the spool records first and which
     * {@link #syncSoon} then has synced.
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
     * Makes every committed transaction durable, including those of other connections.
     *
     * <p>H2 2.x (MVStore) keeps commits in memory; a background thread writes them after
     * WRITE_DELAY (500 ms), without fsync, so a commit alone does not survive even a process kill
     * (see RELIABILITY.md). {@code CHECKPOINT SYNC} alone is not enough either: it runs
     * {@code MVStore.commit()}, which skips its own store when another store began meanwhile
     * (the background writer's), and that store may still be serializing or writing the chunk on
     * H2's executor threads when the following {@code force} runs; and its store() does nothing
     * while the background writer's housekeeping moves chunks without holding the store lock. A
     * kill then loses commits that were reported durable (the crash test caught this). So: the
     * background writer is off (WRITE_DELAY=0, see {@link #open}); store what is not stored yet, wait
     * for every chunk write in flight ({@code executeFilestoreOperation} drains H2's
     * serialization and buffer-save executors), then force the file. H2-specific on purpose: on
     * PostgreSQL a commit is durable by itself.
     */
    private void sync(Connection c) throws SQLException {
        MVStore mv = mvStore(c);
        // One sync at a time: the syncer's and a synced write()'s would otherwise drain H2's
        // executors and compact concurrently, which H2 never does itself (it drains them only
        // under its store lock, from one thread at a time).
        syncLock.lock();
        try {
            if (syncs.incrementAndGet() % COMPACT_EVERY_SYNCS == 0) {
                // the housekeeping the disabled background writer would do: rewrite pages of sparse
                // chunks (under H2's store lock); the commit below stores them
                mv.compact(50, 4 * 1024 * 1024);
            }
            storeAndForce(mv);
        } finally {
            syncLock.unlock();
        }
    }

    /** Stores what is not stored yet, waits for every chunk write in flight, then forces the file. */
    static void storeAndForce(MVStore mv) {
        mv.commit();
        if (mv.getFileStore() != null) {
            // under H2's store lock, as H2 calls it: no store can submit work meanwhile
            mv.executeFilestoreOperation(() -> { });
        }
        mv.sync();
    }

    /** H2's database behind a connection of ours. */
    static org.h2.engine.Database h2(Connection c) throws SQLException {
        return ((SessionLocal) c.unwrap(JdbcConnection.class).getSession()).getDatabase();
    }

    static MVStore mvStore(Connection c) throws SQLException {
        return h2(c).getStore().getMvStore();
    }

    @Override
    public void close() {
        syncState.lock();
        try {
            closing = true;
            syncRequested.signal();
        } finally {
            syncState.unlock();
        }
        try {
            syncer.join(TimeUnit.SECONDS.toMillis(30)); // its last sync, if one was asked for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (syncer.isAlive()) {
            log.warn("the index syncer is still syncing after 30 s; waiting for it before closing the index");
        }
        // never while a sync drains H2's executors: SHUTDOWN stops them, and a drain waiting on
        // a stopped executor would wait for ever
        syncLock.lock();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            // already closed
        } finally {
            syncLock.unlock();
        }
        pool.dispose();
    }
}
