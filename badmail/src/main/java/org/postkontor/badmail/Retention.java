package org.postkontor.badmail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.badmail.BadmailMetrics.EvictionCause;
import org.postkontor.badmail.PagedRemoval.Removed;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.BadmailStore.BadmailTotals;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evicts by age ({@link #sweep()}) and by the size cap (every sweep, and after an admit that may
 * have passed it). Passes run one at a time, and an admit never waits for one: if a pass is
 * running, that pass checks the cap again before it ends. Pinned items ({@link InFlight}) are
 * never evicted.
 */
final class Retention {

    private static final Logger log = LoggerFactory.getLogger("postkontor.badmail");

    /** Size-cap passes one admit may run for others before it returns. */
    private static final int MAX_PASSES_PER_CALL = 3;

    private final BadmailStore store;
    private final BadmailConfig config;
    private final Clock clock;
    private final BadmailMetrics metrics;
    private final InFlight inFlight;
    /** One retention pass at a time; admits only ever try it. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Set by an admit that may have taken the total over the cap. */
    private final AtomicBoolean capCheckNeeded = new AtomicBoolean();
    /**
     * Total size as the last pass saw it, minus what it evicted; -1 while unknown or while a pass
     * runs. With {@link #admittedSinceSnapshot} it bounds the total from above (admin deletions
     * only make it high), so an admit asks the store for its totals only near the cap.
     */
    private volatile long snapshotOctets = -1;
    /** Octets admitted since the last pass read the store's totals. */
    private final AtomicLong admittedSinceSnapshot = new AtomicLong();

    Retention(BadmailStore store, BadmailConfig config, Clock clock, BadmailMetrics metrics, InFlight inFlight) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.inFlight = inFlight;
    }

    /** After an item of {@code octets} was admitted: enforces the cap if it may be passed, without waiting. */
    void admitted(long octets) throws StoreException {
        admittedSinceSnapshot.addAndGet(octets);
        long known = snapshotOctets;
        if (known < 0 || known + admittedSinceSnapshot.get() > config.maxTotalBytes()) {
            capCheckNeeded.set(true);
            enforceCapUnlessBusy("admit");
        }
    }

    /** See {@link BadmailQueue#sweep()}. */
    SweepResult sweep() throws StoreException {
        SweepResult r;
        lock.lock();
        try {
            capCheckNeeded.set(false);
            r = expireByAge().plus(enforceSizeCap());
        } finally {
            lock.unlock();
        }
        logPass("sweep", r);
        enforceCapUnlessBusy("admit"); // arrivals that found the lock taken
        return r;
    }

    /**
     * Enforces the size cap if it may be exceeded, without ever waiting: an admit that finds a
     * pass running leaves the check to that pass, which looks at the flag again after unlocking.
     * So SMTP never waits for a long sweep, and no arrival's check is lost.
     */
    private void enforceCapUnlessBusy(String trigger) throws StoreException {
        // Bounded: under a steady stream of arrivals one caller does at most a few passes; a flag
        // left set is taken up by the next arrival or sweep.
        for (int round = 0; round < MAX_PASSES_PER_CALL && capCheckNeeded.get() && lock.tryLock(); round++) {
            SweepResult r = SweepResult.NONE;
            try {
                for (int pass = 0; pass < MAX_PASSES_PER_CALL && capCheckNeeded.getAndSet(false); pass++) {
                    r = r.plus(enforceSizeCap());
                }
            } finally {
                lock.unlock();
            }
            logPass(trigger, r);
        }
    }

    private static void logPass(String trigger, SweepResult r) {
        if (r.evicted() > 0) {
            log.info("event=retention trigger={} evicted_age={} evicted_size={} octets_freed={}", trigger,
                    r.evictedByAge(), r.evictedBySize(), r.octetsFreed());
        }
    }

    private SweepResult expireByAge() throws StoreException {
        Instant cutoff = clock.instant().minus(config.maxAge());
        Removed r = PagedRemoval.walk(store,
                offset -> new BadmailQuery(null, null, null, cutoff, offset, PagedRemoval.BATCH),
                inFlight::isPinned, Long.MAX_VALUE, item -> evict(item, EvictionCause.AGE));
        return new SweepResult(r.items(), 0, r.octets());
    }

    /** Call with the lock held. */
    private SweepResult enforceSizeCap() throws StoreException {
        snapshotOctets = -1; // arrivals during this pass ask for a check: the pass may not count them
        admittedSinceSnapshot.set(0);
        BadmailTotals totals = store.totals();
        long excess = totals.octets() - config.maxTotalBytes();
        Removed r = PagedRemoval.walk(store,
                offset -> new BadmailQuery(null, null, null, null, offset, PagedRemoval.BATCH),
                inFlight::isPinned, excess, item -> evict(item, EvictionCause.SIZE_CAP));
        snapshotOctets = totals.octets() - r.octets();
        return new SweepResult(0, r.items(), r.octets());
    }

    private boolean evict(BadmailItem item, EvictionCause cause) throws StoreException {
        if (!store.remove(item.id())) {
            return false;
        }
        String label = ReasonKind.label(item.reason().kind());
        metrics.evicted(label, cause, item.octets());
        log.info("event=evicted id={} kind={} cause={} octets={} age_s={}", item.id(), label, cause.label(),
                item.octets(), ageSeconds(item));
        return true;
    }

    private long ageSeconds(BadmailItem item) {
        Instant received = item.envelope().received();
        return received == null ? -1 : Math.max(0, Duration.between(received, clock.instant()).toSeconds());
    }
}
