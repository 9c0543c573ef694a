package org.postkontor.store.internal.mail;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.store.internal.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the body files no entry refers to any more, by giving them to {@link DurableFiles#recycle}
 * (emptied in tmp/ for a later delivery to write, rather than unlinked; see there why). A body's
 * deletion needs no fsync of its own: the removal log already says its entries are gone, so a
 * deletion a crash undoes is done again at the next start (an empty file back at its place
 * included, {@link SpoolLoader}); the log keeps those lines until {@link RemovalLog#compact} has
 * fsynced the directories. While a backup copies the spool ({@link #pause}), deletions wait, so every body
 * the backup listed can still be read; {@link #resume} carries them out. Thread-safe.
 *
 * <p>The files are deleted behind the caller, by one background thread: a POP3 QUIT answers once
 * its removal is logged, not after emptying and moving each of its bodies' files (about 40 µs a
 * file on ext4, 10 ms for a session that took 250 messages). A body leaves the index before its
 * file is handed over, so nothing (a backup's listing included) can name a file on its way out.
 * Should the thread fall {@link #MAX_BACKLOG} files behind, callers delete their own, and
 * {@link #close} carries out what is left before the store marks its stop clean.
 */
final class BodyReaper {

    static final int MAX_BACKLOG = 100_000;
    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final MailIndex index;
    private final SpoolLayout layout;
    private final RemovalLog removals;
    private final DurableFiles files;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<String> deferred = new ArrayList<>();
    private int pauses;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("postkontor-spool-reaper").daemon().unstarted(r));
    /** Files handed to the worker and not deleted yet. */
    private final AtomicInteger backlog = new AtomicInteger();

    BodyReaper(MailIndex index, SpoolLayout layout, RemovalLog removals, DurableFiles files) {
        this.index = index;
        this.layout = layout;
        this.removals = removals;
        this.files = files;
    }

    /** Drops one reference of each body (once per element); deletes the bodies left without any. */
    void release(Collection<Body> bodies) {
        List<String> dead = new ArrayList<>();
        for (Body b : bodies) {
            if (b.release() == 0) {
                index.removeBody(b);
                dead.add(b.path());
            }
        }
        delete(dead);
    }

    /** Deletes body files (relative paths) soon, or after the running backups. */
    void delete(List<String> paths) {
        if (paths.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            if (pauses > 0) {
                deferred.addAll(paths);
                return;
            }
        } finally {
            lock.unlock();
        }
        Runnable job = () -> {
            try {
                recycle(paths);
            } finally {
                backlog.addAndGet(-paths.size());
            }
        };
        if (backlog.addAndGet(paths.size()) <= MAX_BACKLOG) {
            try {
                worker.execute(() -> {
                    try {
                        job.run();
                    } catch (RuntimeException e) {
                        log.warn("cannot delete {} body files now (the next start does): {}", paths.size(), e.toString());
                    }
                });
                return;
            } catch (RejectedExecutionException e) {
                // closing: done here, before the store marks its stop clean
            }
        }
        job.run();
    }

    private void recycle(List<String> paths) {
        for (String p : paths) {
            files.recycle(layout.resolve(p));
        }
        removals.compactIfLarge(p -> Files.exists(layout.resolve(p)));
    }

    /** Waits until the deletions handed over so far are done (tests). */
    void awaitDeletions() {
        try {
            worker.submit(() -> { }).get(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            throw new IllegalStateException("body deletions did not finish", e);
        }
    }

    /** Carries out the deletions handed over so far; later ones are done by their callers. */
    void close() {
        worker.shutdown();
        try {
            worker.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Holds deletions back until the matching {@link #resume}. */
    void pause() {
        lock.lock();
        try {
            pauses++;
        } finally {
            lock.unlock();
        }
    }

    void resume() {
        List<String> now;
        lock.lock();
        try {
            if (--pauses > 0) {
                return;
            }
            now = List.copyOf(deferred);
            deferred.clear();
        } finally {
            lock.unlock();
        }
        delete(now);
    }
}
