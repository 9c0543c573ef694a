package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.FileCopies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail half of the embedded store: the spool (bodies and removal log, the record of truth)
 * with its in-memory index, the maildrops on it, and the catalog that keeps starts short.
 *
 * <p>{@link #open}: takes the spool's OS file lock ({@code spool/.lock}: a second store on the same
 * spool, in this process or another, is refused), builds the index ({@link SpoolLoader}), and
 * starts the catalog writer (every {@value #CATALOG_MINUTES} minutes when bodies came or went).
 * {@link #close()}: refuses new deliveries, waits for those in flight, writes the catalog, marks
 * the stop clean ({@code spool/.clean}, for the log of the next start) and releases the lock.
 * Thread-safe.
 */
public final class MailStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    /** Written by {@link #close()}: the next start says the last stop was clean. */
    static final String CLEAN_MARKER = ".clean";
    static final int CATALOG_MINUTES = 5;

    private final MailIndex index;
    private final SpoolLayout layout;
    private final DurableFiles files;
    private final Path indexDir;
    private final DurableFiles indexFiles;
    private final RemovalLog removals;
    private final BodyReaper reaper;
    private final EntryRemover remover;
    private final FileSpool spool;
    private final IndexMaildropStore maildrops;
    private final FileChannel lockChannel;
    private final ReentrantLock catalogLock = new ReentrantLock();
    private final ScheduledExecutorService catalogWriter = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("postkontor-spool-catalog").daemon().unstarted(r));
    private long cataloged;
    private boolean closed;

    private MailStore(MailIndex index, SpoolLayout layout, DurableFiles files, Path indexDir, DurableFiles indexFiles,
                      RemovalLog removals, BodyReaper reaper, EntryRemover remover, FileSpool spool,
                      IndexMaildropStore maildrops, FileChannel lockChannel) {
        this.index = index;
        this.layout = layout;
        this.files = files;
        this.indexDir = indexDir;
        this.indexFiles = indexFiles;
        this.removals = removals;
        this.reaper = reaper;
        this.remover = remover;
        this.spool = spool;
        this.maildrops = maildrops;
        this.lockChannel = lockChannel;
        this.cataloged = index.changes();
    }

    /**
     * Opens the spool under {@code spoolDir} and builds its index.
     *
     * @param indexDir where the catalog lives
     * @param limits   the accounts' view of each mailbox, read at each delivery
     */
    public static MailStore open(Path spoolDir, Path indexDir, long freeDiskReserveBytes, MailboxLimits.Source limits,
                                 Clock clock, StoreMetrics metrics) throws StoreException {
        SpoolLayout layout = new SpoolLayout(spoolDir);
        DurableFiles files;
        DurableFiles indexFiles;
        try {
            files = new DurableFiles(layout.root(), metrics);
            indexFiles = new DurableFiles(indexDir, metrics);
        } catch (IOException e) {
            throw new StoreException("cannot create the spool and index directories", e);
        }
        FileChannel lockChannel = null;
        RemovalLog removals = null;
        try {
            lockChannel = FileChannel.open(layout.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StoreException("the spool " + layout.root() + " is in use by another store");
            }
            boolean clean = Files.deleteIfExists(layout.root().resolve(CLEAN_MARKER));
            if (clean) {
                files.syncDirectory(layout.root());
            }
            removals = RemovalLog.open(layout.root(), files);
            MailIndex index = new MailIndex();
            long start = System.nanoTime();
            SpoolLoader loader = new SpoolLoader(index, layout, files, removals, indexFiles.root(), indexFiles, clock);
            Map<String, Integer> counts = loader.load();
            counts.forEach(metrics::reconciled);
            MailIndex.Totals t = index.totals();
            String after = clean ? "after a clean stop" : removals.created() ? "on a new spool" : "after an unclean stop";
            String summary = "mail index built in " + (System.nanoTime() - start) / 1_000_000 + " ms " + after + ": "
                    + t.messages() + " messages, " + t.entries() + " entries; " + counts + " (" + loader.phases() + ")";
            if (counts.get(SpoolLoader.ORPHAN_BODY) > 0) {
                log.warn(summary);
            } else {
                log.info(summary);
            }
            BodyReaper reaper = new BodyReaper(index, layout, removals, files);
            EntryRemover remover = new EntryRemover(index, removals, reaper);
            FileSpool spool = new FileSpool(index, limits, files, layout, removals, reaper, indexFiles.root(),
                    freeDiskReserveBytes, clock, metrics);
            IndexMaildropStore maildrops = new IndexMaildropStore(index, limits, layout, remover, reaper, metrics);
            MailStore store = new MailStore(index, layout, files, indexFiles.root(), indexFiles, removals, reaper,
                    remover, spool, maildrops, lockChannel);
            store.catalogWriter.scheduleWithFixedDelay(store::writeCatalog, CATALOG_MINUTES, CATALOG_MINUTES,
                    TimeUnit.MINUTES);
            return store;
        } catch (IOException | StoreException | RuntimeException e) {
            if (removals != null) {
                removals.close();
            }
            closeQuietly(lockChannel);
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot open the spool", e);
        }
    }

    public Spool spool() {
        return spool;
    }

    public MaildropStore maildrops() {
        return maildrops;
    }

    /** Removes every entry of the mailbox for good; returns how many. */
    public int purge(MailAddress mailbox) throws StoreException {
        return remover.purge(mailbox.toString());
    }

    /** Entries and their octets in a mailbox (0 and 0 for one the index does not know). */
    public Usage usage(String mailbox) {
        return index.find(mailbox).map(m -> {
            Mailbox.Usage u = m.usage();
            return new Usage(u.messages(), u.octets());
        }).orElse(new Usage(0, 0));
    }

    public record Usage(long messages, long octets) {}

    /** Messages (bodies), entries, and the bodies' octets. */
    public Totals totals() {
        MailIndex.Totals t = index.totals();
        return new Totals(t.messages(), t.entries(), t.octets());
    }

    public record Totals(long messages, long entries, long octets) {}

    /**
     * Copies the spool's record of truth into {@code target} (which must not exist): every body the
     * index lists now, then the removal log as it is after that. Body files are immutable, so a
     * file copied is the file stored; deletions wait meanwhile ({@link BodyReaper#pause}), so every
     * listed body can still be read. A body at the same path under {@code previous} (an earlier
     * backup on the same volume) is hard-linked instead of copied.
     *
     * @return bodies copied or linked, and their bytes
     */
    public FileCopies.Result backup(Path target, Path previous) throws IOException {
        reaper.pause();
        try {
            List<Body> bodies = new ArrayList<>(index.bodies());
            Files.createDirectories(target);
            removals.copyTo(target.resolve(RemovalLog.FILE));
            List<FileCopies.Copy> copies = new ArrayList<>(bodies.size());
            for (Body b : bodies) {
                copies.add(new FileCopies.Copy(layout.resolve(b.path()), target.resolve(b.path()),
                        previous == null ? null : previous.resolve(b.path()), false));
            }
            return FileCopies.run(copies, target);
        } finally {
            reaper.resume();
        }
    }

    /** Waits until the body files of the removals so far are deleted (they go behind the callers). */
    public void awaitBodyDeletions() {
        reaper.awaitDeletions();
    }

    /** Writes the catalog now if bodies came or went since the last one. */
    public void writeCatalog() {
        catalogLock.lock();
        try {
            long changes = index.changes();
            if (changes == cataloged) {
                return;
            }
            long start = System.nanoTime();
            int n = SpoolCatalog.write(indexDir, index.bodies(), indexFiles);
            cataloged = changes;
            log.debug("spool catalog written: {} bodies in {} ms", n, (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot write the spool catalog now (the next start reads more bodies): {}", e.toString());
        } finally {
            catalogLock.unlock();
        }
    }

    @Override
    public void close() {
        catalogLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            catalogLock.unlock();
        }
        spool.close();
        reaper.close();
        catalogWriter.shutdown();
        try {
            catalogWriter.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catalogLock.lock();
        try {
            cataloged = -1; // always write the last one
        } finally {
            catalogLock.unlock();
        }
        writeCatalog();
        removals.close();
        try {
            Files.createFile(layout.root().resolve(CLEAN_MARKER));
            files.syncDirectory(layout.root());
        } catch (FileAlreadyExistsException e) {
            // a marker left behind: still clean
        } catch (IOException e) {
            log.warn("cannot mark the stop clean: {}", e.toString());
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing the channel releases the lock; nothing left to do
            }
        }
    }
}
