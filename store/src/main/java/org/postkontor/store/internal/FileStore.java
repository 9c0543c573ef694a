package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.postkontor.store.Accounts;
import org.postkontor.store.Administration;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.Directory;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.Spool;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store: bodies as files under the spool directory, entries and accounts in the H2 index.
 *
 * <p>{@link #open}: takes the spool's OS file lock ({@code spool/.lock}; a second store on the
 * same spool, in this process or another, is refused), opens and migrates the index, runs
 * startup reconciliation ({@link Reconciler}, then badmail's own) before anything is served.
 * {@link #close()}: refuses new deliveries, waits for those in flight, shuts the index down and
 * releases the lock.
 */
public final class FileStore implements Store {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    /** Written by {@link #close()} after the index is shut down: the next start may trust the index's rows. */
    static final String CLEAN_MARKER = ".clean";

    private final Database db;
    private final RemovalLog removals;
    private final java.nio.file.Path spoolRoot;
    private final DurableFiles files;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final FileSpool spool;
    private final JdbcMaildropStore maildrops;
    private final Directory directory;
    private final Accounts accounts;
    private final Administration admin;
    private final BadmailStore badmail;
    private boolean closed;

    private FileStore(Database db, RemovalLog removals, java.nio.file.Path spoolRoot, DurableFiles files,
                      FileChannel lockChannel, FileLock lock, FileSpool spool,
                      JdbcMaildropStore maildrops, Directory directory, Accounts accounts, Administration admin,
                      BadmailStore badmail) {
        this.db = db;
        this.removals = removals;
        this.spoolRoot = spoolRoot;
        this.files = files;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.spool = spool;
        this.maildrops = maildrops;
        this.directory = directory;
        this.accounts = accounts;
        this.admin = admin;
        this.badmail = badmail;
    }

    public static Store open(StoreConfig config, PasswordHasher hasher, Clock clock, StoreMetrics metrics)
            throws StoreException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(hasher, "hasher");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        SpoolLayout layout = new SpoolLayout(config.spoolDir());
        DurableFiles files;
        try {
            files = new DurableFiles(layout.root(), metrics);
        } catch (IOException e) {
            throw new StoreException("cannot create the spool directory " + layout.root(), e);
        }
        FileChannel lockChannel = null;
        FileLock lock = null;
        Database db = null;
        RemovalLog removals = null;
        try {
            lockChannel = FileChannel.open(layout.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StoreException("the spool " + layout.root() + " is in use by another store");
            }
            db = Database.open(config.indexDir());
            db.onBackgroundSync(metrics::fsync);
            removals = RemovalLog.open(layout.root(), files);
            // the marker says the last stop was clean; it goes now, and comes back at close()
            boolean cleanStop = Files.deleteIfExists(layout.root().resolve(CLEAN_MARKER));
            if (cleanStop) {
                files.syncDirectory(layout.root());
            }
            String owner = ownerId();
            EntryRemover remover = new EntryRemover(db, layout, files, removals);
            long start = System.nanoTime();
            Map<String, Integer> counts = new Reconciler(db, files, layout, remover, removals, removals.fresh(),
                    cleanStop, clock).run();
            counts.forEach(metrics::reconciled);
            boolean trouble = counts.get(Reconciler.ORPHAN_BODY) > 0 || counts.get(Reconciler.MISSING_BODY) > 0
                    || counts.get(Reconciler.RESTORED_ENTRY) > 0;
            String summary = "store reconciled in " + (System.nanoTime() - start) / 1_000_000 + " ms: " + counts;
            if (trouble) {
                log.warn(summary);
            } else {
                log.info(summary);
            }
            FileSpool spool = new FileSpool(db, files, layout, remover, removals, config.indexDir(),
                    config.freeDiskReserveBytes(), clock, metrics);
            JdbcMaildropStore maildrops = new JdbcMaildropStore(db, layout, remover, owner, clock, metrics);
            JdbcBadmailStore badmail = new JdbcBadmailStore(db, config.badmailDir(), config.freeDiskReserveBytes(),
                    clock, metrics);
            reconcileBadmail(badmail);
            return new FileStore(db, removals, layout.root(), files, lockChannel, lock, spool, maildrops, new JdbcDirectory(db),
                    JdbcAccounts.withCache(db, hasher, clock, config, metrics),
                    new JdbcAdministration(db, hasher, clock, spool, config),
                    badmail);
        } catch (IOException e) {
            closeQuietly(db, removals, lockChannel);
            throw new StoreException("cannot open the store", e);
        } catch (StoreException | RuntimeException e) {
            closeQuietly(db, removals, lockChannel);
            throw e;
        }
    }

    private static void reconcileBadmail(JdbcBadmailStore badmail) throws StoreException {
        JdbcBadmailStore.Reconciliation r = badmail.reconcile();
        log.info("badmail reconciled: {}", r);
    }

    private static void closeQuietly(Database db, RemovalLog removals, FileChannel lockChannel) {
        if (db != null) {
            db.close();
        }
        if (removals != null) {
            removals.close();
        }
        if (lockChannel != null) {
            try {
                lockChannel.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }

    /** Names this store instance in maildrop lock rows: pid@host/nonce. */
    private static String ownerId() {
        byte[] nonce = new byte[6];
        new SecureRandom().nextBytes(nonce);
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        String id = ProcessHandle.current().pid() + "@" + host + "/" + HexFormat.of().formatHex(nonce);
        return id.length() <= 100 ? id : id.substring(id.length() - 100);
    }

    /** The index, for tests in this package and the store's own tools. */
    Database database() {
        return db;
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public Spool spool() {
        return spool;
    }

    @Override
    public MaildropStore maildrops() {
        return maildrops;
    }

    @Override
    public Accounts accounts() {
        return accounts;
    }

    @Override
    public Administration admin() {
        return admin;
    }

    @Override
    public BadmailStore badmail() {
        return badmail;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        spool.close();
        db.close();
        removals.close();
        try {
            Files.createFile(spoolRoot.resolve(CLEAN_MARKER));
            files.syncDirectory(spoolRoot);
        } catch (IOException e) {
            log.warn("cannot mark the stop clean; the next start rebuilds the index's entries: {}", e.toString());
        }
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(null, removals, lockChannel);
        log.info("store closed");
    }
}
