package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.store.ConflictException;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Receipt;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool: bodies as files, entries in the in-memory {@link MailIndex}, with group commit.
 *
 * <p>The spool is the record of truth. Every body file starts with a header record
 * ({@link SpoolRecord}: queue id, arrival, mailbox and UIDL of each entry it was delivered for),
 * written under the same fsync as the message bytes, and the {@link RemovalLog} names the entries
 * removed since (expunged, purged, or refused at delivery). The index is built from the two at
 * every start ({@link SpoolLoader}): a delivery is durable once its body file and directory are,
 * and nothing else is written to disk for it.
 *
 * <p>A delivery runs in the caller's thread until its body is in place: written to {@code tmp/},
 * fsynced, and moved atomically to {@code msg/<hour>/<queueId>} (concurrent callers' fsyncs run in
 * parallel, and the file system's journal merges them). Then it joins the group commit.
 *
 * <p>Group commit by leader election, with no thread of its own: a delivery adds itself to the
 * pending list; if no leader is at work, it becomes the leader, takes every pending delivery (up
 * to {@value #MAX_BATCH}), fsyncs their directories once (usually one: a directory per hour), then
 * enters each delivery into the index: each mailbox is checked (a user, enabled, within its quota)
 * and given its entry in one step under the mailbox's lock, so quotas hold under any concurrency.
 * A mailbox refused at that moment is logged as removed (its body's record names it), then every
 * delivery of the batch is completed. The others wait; when the leader is done, one of those still
 * pending leads the next batch. So N concurrent deliveries cost N parallel file fsyncs plus one
 * shared directory fsync, a lone delivery pays no thread hand-off, and a receipt never returns
 * before its body is durable.
 *
 * <p>A body no mailbox took, and every body of a batch whose directory sync failed, is deleted
 * again, and the caller gets its receipt or a {@link StoreException}: nothing half-written is
 * listed. Thread-safe.
 */
public final class FileSpool implements Spool, AutoCloseable {

    static final int MAX_BATCH = 256;

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final MailIndex index;
    private final MailboxLimits.Source limits;
    private final DurableFiles files;
    private final SpoolLayout layout;
    private final RemovalLog removals;
    private final BodyReaper reaper;
    private final Path indexDir;
    private final long reserveBytes;
    private final Clock clock;
    private final StoreMetrics metrics;
    private final QueueIds ids;
    /** Guards {@link #pending} and {@link #leading}; a lock, not a monitor, so virtual threads never pin. */
    private final ReentrantLock group = new ReentrantLock();
    private final Condition batchDone = group.newCondition();
    private final List<Pending> pending = new ArrayList<>();
    private boolean leading;
    private final Object lifecycle = new Object();
    private boolean closed;
    private int inFlight;

    FileSpool(MailIndex index, MailboxLimits.Source limits, DurableFiles files, SpoolLayout layout,
              RemovalLog removals, BodyReaper reaper, Path indexDir, long reserveBytes, Clock clock,
              StoreMetrics metrics) {
        this.index = index;
        this.limits = limits;
        this.files = files;
        this.layout = layout;
        this.removals = removals;
        this.reaper = reaper;
        this.indexDir = indexDir;
        this.reserveBytes = reserveBytes;
        this.clock = clock;
        this.metrics = metrics;
        this.ids = new QueueIds(clock);
    }

    // ---- Spool

    @Override
    public DeliveryCheck check(MailAddress mailbox, long sizeHint) throws StoreException {
        if (!enoughDisk(Math.max(sizeHint, 0))) {
            return DeliveryCheck.INSUFFICIENT_STORAGE;
        }
        String box = mailbox.toString();
        MailboxLimits l = limits.of(box);
        Mailbox.Usage usage = index.find(box).map(Mailbox::usage).orElse(new Mailbox.Usage(0, 0));
        return l.accepts(usage.messages(), usage.octets(), Mailbox.deliveredTo(box).length + Math.max(sizeHint, 0));
    }

    @Override
    public Receipt deliver(Collection<MailAddress> mailboxes, InputStream message) throws StoreException {
        return store(DeliveryArguments.mailboxes(mailboxes, message), null, message);
    }

    /**
     * @throws IllegalArgumentException the UIDL is not 1 to 70 characters 0x21-0x7E
     * @throws ConflictException the mailbox has an entry with this UIDL already
     */
    @Override
    public Receipt deliver(MailAddress mailbox, String uidl, InputStream message) throws StoreException {
        DeliveryArguments.withUidl(mailbox, uidl, message);
        return store(List.of(mailbox), uidl, message);
    }

    private Receipt store(List<MailAddress> boxes, String uidl, InputStream message) throws StoreException {
        enter();
        try {
            if (!enoughDisk(0)) {
                throw new InsufficientStorageException("free-disk reserve reached on the spool or index volume");
            }
            // queue id and arrival first: the body file's header record names them (SpoolRecord)
            Instant arrived = clock.instant();
            String queueId = ids.next();
            List<SpoolRecord.Entry> recorded = new ArrayList<>(boxes.size());
            for (MailAddress m : boxes) {
                recorded.add(new SpoolRecord.Entry(m.toString(), uidl != null ? uidl : queueId));
            }
            byte[] header = SpoolRecord.encode(queueId, arrived, recorded);
            DurableFiles.TempFile body;
            try {
                body = files.writeTemp(header, message, true);
            } catch (IOException e) {
                // the disk filled up under the write (ENOSPC; the partial file is gone again, so the
                // free space alone does not show it): say so, so SMTP answers 452 4.3.1
                if (DurableFiles.outOfSpace(e) || !enoughDisk(0)) {
                    throw new InsufficientStorageException("spool volume full while writing", e);
                }
                throw new StoreException("cannot write the message to the spool", e);
            }
            if (!enoughDisk(0)) {
                body.discard();
                throw new InsufficientStorageException("free-disk reserve reached on the spool or index volume");
            }
            String path = SpoolLayout.bodyPath(queueId, arrived);
            Set<Path> dirs;
            try {
                // the directory fsync is the group commit's, shared by the whole batch
                dirs = files.moveIntoPlace(body, Path.of(path));
            } catch (IOException e) {
                body.discard();
                DurableFiles.deleteQuietly(layout.resolve(path));
                if (DurableFiles.outOfSpace(e)) {
                    // no room for a new hour directory
                    throw new InsufficientStorageException("spool volume full while moving into place", e);
                }
                throw new StoreException("cannot move the message into the spool", e);
            }
            Pending p = new Pending(queueId, path, dirs, boxes, uidl, body.octets(), header.length, arrived,
                    new CompletableFuture<>());
            groupCommit(p);
            return await(p.done());
        } finally {
            leave();
        }
    }

    private static Receipt await(CompletableFuture<Receipt> done) throws StoreException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (InterruptedException e) {
                    // the delivery may commit anyway: wait for the truth, never report a guess
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof StoreException se) {
                        throw se;
                    }
                    throw new StoreException("delivery failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The spool and index volumes have at least the reserve free, plus {@code more} on the spool. */
    private boolean enoughDisk(long more) throws StoreException {
        if (reserveBytes == 0 && more == 0) {
            return true;
        }
        try {
            return DurableFiles.usableSpace(layout.root()) - more >= reserveBytes
                    && DurableFiles.usableSpace(indexDir) >= reserveBytes;
        } catch (IOException e) {
            throw new StoreException("cannot read free disk space", e);
        }
    }

    // ---- group commit

    /**
     * A delivery whose body is fsynced at {@code path}, waiting for the fsync of {@code dirs}
     * (which makes it durable) and its entries.
     */
    private record Pending(String queueId, String path, Set<Path> dirs, List<MailAddress> mailboxes, String uidl,
                           long octets, int headerLength, Instant arrived, CompletableFuture<Receipt> done) {
        void dropBody(SpoolLayout layout) {
            DurableFiles.deleteQuietly(layout.resolve(path));
        }
    }

    /** What the group commit decided for one delivery of a batch. */
    private static final class Decision {
        final Pending p;
        final Map<MailAddress, Long> accepted = new LinkedHashMap<>();
        final Map<MailAddress, DeliveryCheck> refused = new LinkedHashMap<>();
        StoreException failure;
        Body body;

        Decision(Pending p) {
            this.p = p;
        }

        boolean stored() {
            return failure == null && !accepted.isEmpty();
        }
    }

    /** Returns when {@code p} is complete: durable and committed, by this thread or another. */
    private void groupCommit(Pending p) {
        group.lock();
        try {
            pending.add(p);
        } finally {
            group.unlock();
        }
        while (!p.done().isDone()) {
            List<Pending> batch;
            group.lock();
            try {
                if (p.done().isDone()) {
                    break;
                }
                if (leading) {
                    // in flight in another leader's batch, or queued behind it: wait for its outcome
                    batchDone.awaitUninterruptibly();
                    continue;
                }
                leading = true;
                int n = Math.min(pending.size(), MAX_BATCH);
                batch = new ArrayList<>(pending.subList(0, n));
                pending.subList(0, n).clear();
            } finally {
                group.unlock();
            }
            try {
                commit(batch);
            } catch (RuntimeException | Error e) {
                log.error("group commit failed unexpectedly", e);
                for (Pending b : batch) {
                    b.dropBody(layout);
                    b.done().completeExceptionally(new StoreException("delivery failed", e));
                }
            } finally {
                group.lock();
                try {
                    leading = false;
                    batchDone.signalAll();
                } finally {
                    group.unlock();
                }
            }
        }
    }

    /**
     * Makes one batch durable (its directories fsynced), enters it into the index, logs what was
     * refused, then completes each of its deliveries.
     */
    private void commit(List<Pending> batch) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Pending p : batch) {
            dirs.addAll(p.dirs());
        }
        try {
            for (Path d : dirs) {
                files.syncDirectory(d);
            }
        } catch (IOException e) {
            log.error("group commit of {} deliveries failed: {}", batch.size(), e.toString());
            StoreException failure = DurableFiles.outOfSpace(e)
                    ? new InsufficientStorageException("spool volume full while syncing", e)
                    : new StoreException("cannot sync the spool directory", e);
            for (Pending p : batch) {
                p.dropBody(layout);
                p.done().completeExceptionally(failure);
            }
            return;
        }
        List<Decision> decisions = new ArrayList<>(batch.size());
        Map<String, MailboxLimits> seen = new HashMap<>();
        for (Pending p : batch) {
            Decision d = new Decision(p);
            decisions.add(d);
            try {
                enter(d, seen);
            } catch (StoreException e) {
                d.failure = e;
            }
        }
        logRefusals(decisions);
        metrics.groupCommit(batch.size());
        List<Body> delivering = new ArrayList<>(decisions.size());
        for (Decision d : decisions) {
            if (d.body != null) {
                delivering.add(d.body);
            } else {
                d.p.dropBody(layout); // never indexed: no entry can name it
            }
        }
        // each delivery's own reference: a body no mailbox took is deleted now, after its
        // mailboxes were logged as refused (a crash cannot give them the message then)
        reaper.release(delivering);
        for (Decision d : decisions) {
            if (d.failure != null) {
                d.p.done().completeExceptionally(d.failure);
                continue;
            }
            if (d.stored()) {
                metrics.delivered(d.accepted.size(), d.p.octets());
                log.debug("stored {}: {} octets, {} entries, {} refused", d.p.queueId(), d.p.octets(),
                        d.accepted.size(), d.refused.size());
            }
            d.p.done().complete(new Receipt(d.p.queueId(), d.p.octets(), d.accepted.keySet(), d.refused));
        }
    }

    /**
     * Indexes one delivery: its body, then an entry in each mailbox that takes it (checked and
     * added under the mailbox's lock). The body holds one reference per mailbox tried plus the
     * delivery's own until {@link #commit} releases it, so an expunge elsewhere cannot delete it
     * while mailboxes are still being tried.
     */
    private void enter(Decision d, Map<String, MailboxLimits> seen) throws StoreException {
        Pending p = d.p;
        List<MailAddress> boxes = p.mailboxes();
        String[] recorded = new String[boxes.size()];
        MailboxLimits[] rules = new MailboxLimits[boxes.size()];
        for (int i = 0; i < recorded.length; i++) {
            recorded[i] = index.canonical(boxes.get(i).toString());
            rules[i] = seen.get(recorded[i]);
            if (rules[i] == null) {
                rules[i] = limits.of(recorded[i]); // a failure fails this delivery: nothing indexed yet
                seen.put(recorded[i], rules[i]);
            }
        }
        String hour = index.canonical(SpoolLayout.hourDir(p.arrived()));
        Body body = new Body(p.queueId(), hour, p.arrived().toEpochMilli(), p.headerLength(), p.octets(), recorded,
                p.uidl() == null ? null : new String[] {p.uidl()});
        body.retain(recorded.length + 1);
        index.addBody(body);
        d.body = body;
        List<Body> unused = new ArrayList<>();
        for (int i = 0; i < recorded.length; i++) {
            MailAddress m = boxes.get(i);
            Mailbox box = index.mailbox(recorded[i]);
            DeliveryCheck verdict = box.tryAdd(index.newEntry(body, body.uidl(i)), rules[i]);
            if (verdict == DeliveryCheck.OK) {
                d.accepted.put(m, box.entryOctets(body));
                continue;
            }
            unused.add(body);
            if (verdict == null) {
                d.failure = new ConflictException("the mailbox has a message with this UIDL already");
            } else {
                d.refused.put(m, verdict);
            }
        }
        reaper.release(unused);
    }

    /**
     * Logs every mailbox a body's record names but that has no entry (refused here, or the whole
     * delivery failed), so that a start never gives it one. Before the callers hear back and before
     * a body no mailbox took is deleted; if the log cannot be written, a crash could add such an
     * entry (a duplicate, never a loss).
     */
    private void logRefusals(List<Decision> decisions) {
        List<RemovalLog.Removal> refused = new ArrayList<>();
        for (Decision d : decisions) {
            for (MailAddress m : d.p.mailboxes()) {
                if (!d.stored() || !d.accepted.containsKey(m)) {
                    refused.add(new RemovalLog.Removal(m.toString(), List.of(d.p.path())));
                }
            }
        }
        try {
            removals.append(refused);
        } catch (IOException | RuntimeException e) {
            log.error("cannot log {} refused entries; a crash now could deliver them after all: {}",
                    refused.size(), e.toString());
        }
    }

    // ---- lifecycle

    private void enter() throws StoreException {
        synchronized (lifecycle) {
            if (closed) {
                throw new StoreException("store is closed");
            }
            inFlight++;
        }
    }

    private void leave() {
        synchronized (lifecycle) {
            inFlight--;
            lifecycle.notifyAll();
        }
    }

    /** Refuses new deliveries, waits (bounded, 30 s) for those in flight. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (lifecycle) {
            closed = true;
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("closing with {} deliveries still in flight", inFlight);
                    break;
                }
                try {
                    lifecycle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }
}
