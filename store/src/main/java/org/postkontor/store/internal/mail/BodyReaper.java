package org.postkontor.store.internal.mail;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.store.internal.files.DurableFiles;

/**
 * Deletes the body files no entry refers to any more, by giving them to {@link DurableFiles#recycle}
 * (emptied in tmp/ for a later delivery to write, rather than unlinked; see there why). A body's
 * deletion needs no fsync of its own: the removal log already says its entries are gone, so a
 * deletion a crash undoes is done again at the next start (an empty file back at its place
 * included, {@link SpoolLoader}); the log keeps those lines until {@link RemovalLog#compact} has
 * fsynced the directories. While a backup copies the spool ({@link #pause}), deletions wait, so every body
 * the backup listed can still be read; {@link #resume} carries them out. Thread-safe.
 */
final class BodyReaper {

    private final MailIndex index;
    private final SpoolLayout layout;
    private final RemovalLog removals;
    private final DurableFiles files;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<String> deferred = new ArrayList<>();
    private int pauses;

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

    /** Deletes body files (relative paths) now, or after the running backups. */
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
        for (String p : paths) {
            files.recycle(layout.resolve(p));
        }
        removals.compactIfLarge(p -> Files.exists(layout.resolve(p)));
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
