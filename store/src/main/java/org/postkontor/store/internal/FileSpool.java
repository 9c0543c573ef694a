package org.postkontor.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool: bodies as files, entries as index rows, with group commit.
 *
 * <p>The spool is the record of truth. Every body file starts with a header record
 * ({@link SpoolRecord}: queue id, arrival, mailbox and UIDL of each entry it was delivered for),
 * written under the same fsync as the message bytes, and the {@link RemovalLog} names the entries
 * removed since (expunged, purged, or refused at commit). The index is a cache of the two, rebuilt
 * to match at every start ({@link Reconciler}): a delivery is durable once its body file and
 * directory are, and that is before its rows exist. The index is synced after the receipts, by
 * the index syncer ({@link Database#syncSoon}), not in the acknowledgement's path.
 *
 * <p>A delivery runs in the caller's thread until its body is in place: written to {@code tmp/},
 * fsynced, and moved atomically to {@code msg/<hour>/<queueId>} (concurrent callers' fsyncs run in
 * parallel, and the file system's journal merges them). Then it joins the group commit.
 *
 * <p>Group commit by leader election, with no thread of its own: a delivery adds itself to the
 * pending list; if no leader is at work, it becomes the leader, takes every pending delivery (up
 * to {@value #MAX_BATCH}), fsyncs their directories once (usually one: a directory per hour), and,
 * in one index transaction, checks each mailbox (exists, enabled, quota counted with the batch's
 * earlier deliveries; there is one leader at a time, the only writer of new entries, so quotas
 * hold under any concurrency) and inserts the rows (committed, synced soon after by the index
 * syncer). A mailbox refused at that moment is logged as removed (its body's record names it),
 * then every delivery of the batch is completed. The others wait; when the leader is done, one of
 * those still pending leads the next batch. So N concurrent deliveries cost N parallel file
 * fsyncs plus one shared directory fsync (the index's sync runs beside them, one for as many
 * batches as commit meanwhile), a lone delivery pays no thread hand-off, and a receipt never
 * returns before its body is durable.
 *
 * <p>A body no mailbox took, and every body of a batch whose directory sync or commit failed, is
 * deleted again, and the caller gets its receipt or a {@link StoreException}: nothing half-written
 * is listed. Thread-safe.
 */
final class FileSpool implements Spool, MailboxPurger, AutoCloseable {

    static final int MAX_BATCH = 256;

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final Database db;
    private final DurableFiles files;
    private final SpoolLayout layout;
    private final EntryRemover remover;
    private final RemovalLog removals;
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

    FileSpool(Database db, DurableFiles files, SpoolLayout layout, EntryRemover remover, RemovalLog removals,
              Path indexDir, long reserveBytes, Clock clock, StoreMetrics metrics) {
        this.db = db;
        this.files = files;
        this.layout = layout;
        this.remover = remover;
        this.removals = removals;
        this.indexDir = indexDir;
        this.reserveBytes = reserveBytes;
        this.clock = clock;
        this.metrics = metrics;
        this.ids = new QueueIds(clock);
    }

    /** The line served before the stored bytes of an entry in {@code mailbox}. */
    static byte[] deliveredTo(String mailbox) {
        return ("Delivered-To: " + mailbox + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    // ---- Spool

    @Override
    public DeliveryCheck check(MailAddress mailbox, long sizeHint) throws StoreException {
        if (!enoughDisk(Math.max(sizeHint, 0))) {
            return DeliveryCheck.INSUFFICIENT_STORAGE;
        }
        String box = mailbox.toString();
        long entryOctets = deliveredTo(box).length + Math.max(sizeHint, 0);
        return db.read(c -> {
            MailboxState s = MailboxState.load(c, box);
            return s.accepts(entryOctets);
        });
    }

    @Override
    public Receipt deliver(Collection<MailAddress> mailboxes, InputStream message) throws StoreException {
        Objects.requireNonNull(message, "message");
        List<MailAddress> boxes = List.copyOf(new LinkedHashSet<>(mailboxes));
        if (boxes.isEmpty()) {
            throw new IllegalArgumentException("no mailbox");
        }
        return store(boxes, null, message);
    }

    /**
     * @throws IllegalArgumentException the UIDL is not 1 to 70 characters 0x21-0x7E
     * @throws ConflictException the mailbox has an entry with this UIDL already
     */
    @Override
    public Receipt deliver(MailAddress mailbox, String uidl, InputStream message) throws StoreException {
        Objects.requireNonNull(mailbox, "mailbox");
        Objects.requireNonNull(message, "message");
        if (!MaildropEntry.isValidUidl(uidl)) {
            throw new IllegalArgumentException("UIDL must be 1 to 70 characters 0x21-0x7E");
        }
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
            return Files.getFileStore(layout.root()).getUsableSpace() - more >= reserveBytes
                    && Files.getFileStore(indexDir).getUsableSpace() >= reserveBytes;
        } catch (IOException e) {
            throw new StoreException("cannot read free disk space", e);
        }
    }

    // ---- MailboxPurger

    @Override
    public void purge(MailAddress mailbox) throws StoreException {
        String box = mailbox.toString();
        int n = remover.removeLogged(box, remover.entriesOf(box));
        if (n > 0) {
            log.info("purged mailbox: entries={}", n);
        }
    }

    // ---- group commit

    /**
     * A delivery whose body is fsynced at {@code path}, waiting for the fsync of {@code dirs}
     * (which makes it durable) and its index rows.
     */
    private record Pending(String queueId, String path, Set<Path> dirs, List<MailAddress> mailboxes, String uidl,
                           long octets,
                           long bodyOffset, Instant arrived, CompletableFuture<Receipt> done) {
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
        long messageId;

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
     * Makes one batch durable (its directories fsynced), decides and commits it, logs what was
     * refused, then completes each of its deliveries.
     */
    private void commit(List<Pending> batch) {
        List<Decision> decisions = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            decisions.add(new Decision(p));
        }
        try {
            Set<Path> dirs = new LinkedHashSet<>();
            for (Pending p : batch) {
                dirs.addAll(p.dirs());
            }
            try {
                for (Path d : dirs) {
                    files.syncDirectory(d);
                }
            } catch (IOException e) {
                throw DurableFiles.outOfSpace(e)
                        ? new InsufficientStorageException("spool volume full while syncing", e)
                        : new StoreException("cannot sync the spool directory", e);
            }
            db.writeUnsynced(c -> {
                decide(c, decisions);
                insert(c, decisions);
                return null;
            });
        } catch (StoreException | RuntimeException e) {
            log.error("group commit of {} deliveries failed: {}", batch.size(), e.toString());
            StoreException failure = DurableFiles.outOfSpace(e)
                    ? new InsufficientStorageException("index volume full", e) // 452 4.3.1, not 451
                    : e instanceof StoreException se ? se : new StoreException("delivery failed", e);
            for (Decision d : decisions) {
                d.p.dropBody(layout);
                d.p.done().completeExceptionally(failure);
            }
            return;
        }
        logRefusals(decisions);
        metrics.groupCommit(batch.size());
        for (Decision d : decisions) {
            if (!d.stored()) {
                d.p.dropBody(layout);
            }
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
        // The index is synced after the receipts, by the index syncer: the bodies and their
        // directory are durable already and name their mailboxes, so a crash before that sync
        // loses only rows the next start rebuilds. The files H2 leaves at a kill are the same as
        // when the batch waited for the sync (commit, then sync, in that order either way).
        db.syncSoon();
    }

    /**
     * Logs every mailbox a body's record names but that has no entry (refused here, or the whole
     * delivery failed), so that startup never gives it one. Before the callers hear back; if the
     * log cannot be written, a crash could add such an entry (a duplicate, never a loss).
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

    /** Checks every mailbox of every delivery, counting the batch's earlier acceptances. */
    private void decide(Connection c, List<Decision> decisions) throws SQLException {
        Map<String, MailboxState> states = new HashMap<>();
        Set<String> batchUidls = new HashSet<>();
        for (Decision d : decisions) {
            long bodyOctets = d.p.octets();
            if (d.p.uidl() != null) {
                String box = d.p.mailboxes().get(0).toString();
                if (!batchUidls.add(box + "\n" + d.p.uidl()) || uidlExists(c, box, d.p.uidl())) {
                    d.failure = new ConflictException("the mailbox has a message with this UIDL already");
                    continue;
                }
            }
            for (MailAddress m : d.p.mailboxes()) {
                String box = m.toString();
                long entryOctets = deliveredTo(box).length + bodyOctets;
                MailboxState s = states.get(box);
                if (s == null) {
                    s = MailboxState.load(c, box);
                    states.put(box, s);
                }
                DeliveryCheck verdict = s.accepts(entryOctets);
                if (verdict == DeliveryCheck.OK) {
                    s.add(entryOctets);
                    d.accepted.put(m, entryOctets);
                } else {
                    d.refused.put(m, verdict);
                }
            }
        }
    }

    private static boolean uidlExists(Connection c, String mailbox, String uidl) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM mailbox_entries WHERE mailbox = ? AND uidl = ?")) {
            ps.setString(1, mailbox);
            ps.setString(2, uidl);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void insert(Connection c, List<Decision> decisions) throws SQLException {
        try (PreparedStatement msg = c.prepareStatement(
                "INSERT INTO messages (queue_id, path, octets, received_at, body_offset) VALUES (?, ?, ?, ?, ?)",
                new String[] {"id"});
             PreparedStatement entry = c.prepareStatement(
                "INSERT INTO mailbox_entries (mailbox, message_id, uidl, octets, arrived_at) VALUES (?, ?, ?, ?, ?)")) {
            for (Decision d : decisions) {
                if (!d.stored()) {
                    continue;
                }
                OffsetDateTime at = d.p.arrived().atOffset(ZoneOffset.UTC);
                msg.setString(1, d.p.queueId());
                msg.setString(2, d.p.path());
                msg.setLong(3, d.p.octets());
                msg.setObject(4, at);
                msg.setLong(5, d.p.bodyOffset());
                msg.executeUpdate();
                long messageId;
                try (ResultSet keys = msg.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new SQLException("no generated key for messages");
                    }
                    messageId = keys.getLong(1);
                }
                d.messageId = messageId;
                String uidl = d.p.uidl() != null ? d.p.uidl() : d.p.queueId();
                for (Map.Entry<MailAddress, Long> e : d.accepted.entrySet()) {
                    entry.setString(1, e.getKey().toString());
                    entry.setLong(2, messageId);
                    entry.setString(3, uidl);
                    entry.setLong(4, e.getValue());
                    entry.setObject(5, at);
                    entry.addBatch();
                }
            }
            entry.executeBatch();
        }
    }

    /** A mailbox as the quota rules see it: its user row and current usage. */
    private static final class MailboxState {
        final boolean exists;
        final boolean enabled;
        final long quotaBytes;
        final long quotaMessages;
        long messages;
        long octets;

        private MailboxState(boolean exists, boolean enabled, long quotaBytes, long quotaMessages) {
            this.exists = exists;
            this.enabled = enabled;
            this.quotaBytes = quotaBytes;
            this.quotaMessages = quotaMessages;
        }

        static MailboxState load(Connection c, String mailbox) throws SQLException {
            MailboxState s;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT enabled, quota_bytes, quota_messages FROM users WHERE address = ?")) {
                ps.setString(1, mailbox);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new MailboxState(false, false, 0, 0);
                    }
                    s = new MailboxState(true, rs.getBoolean(1), rs.getLong(2), rs.getLong(3));
                }
            }
            if (s.quotaBytes > 0 || s.quotaMessages > 0) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*), COALESCE(SUM(octets), 0) FROM mailbox_entries WHERE mailbox = ?")) {
                    ps.setString(1, mailbox);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        s.messages = rs.getLong(1);
                        s.octets = rs.getLong(2);
                    }
                }
            }
            return s;
        }

        /** A message of {@code entryOctets} more would stay within the quota (which is inclusive). */
        DeliveryCheck accepts(long entryOctets) {
            if (!exists) {
                return DeliveryCheck.NO_SUCH_MAILBOX;
            }
            if (!enabled) {
                return DeliveryCheck.DISABLED;
            }
            if (quotaMessages > 0 && messages + 1 > quotaMessages) {
                return DeliveryCheck.OVER_QUOTA;
            }
            if (quotaBytes > 0 && octets + entryOctets > quotaBytes) {
                return DeliveryCheck.OVER_QUOTA;
            }
            return DeliveryCheck.OK;
        }

        void add(long entryOctets) {
            messages++;
            octets += entryOctets;
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
