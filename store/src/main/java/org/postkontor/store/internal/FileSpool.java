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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * <p>A delivery runs in the caller's thread until its body is in {@code tmp/} and fsynced, then
 * queues itself for the one committer thread and waits. The committer takes everything queued
 * (up to {@value #MAX_BATCH}) as one batch and, in one index transaction: checks each mailbox
 * (exists, enabled, quota counted with the batch's earlier deliveries), moves each accepted body
 * to {@code msg/<hour>/<queueId>}, fsyncs each touched directory once, inserts the rows, commits
 * and syncs the index once, and then releases every waiter. So N concurrent deliveries cost N
 * file fsyncs in parallel plus one directory fsync and one index sync, instead of N of each.
 *
 * <p>If the batch fails, every body it moved is deleted again and every waiter gets a
 * {@link StoreException}: nothing half-written is listed. Refused deliveries' temp files are
 * deleted. Thread-safe.
 */
final class FileSpool implements Spool, MailboxPurger, AutoCloseable {

    static final int MAX_BATCH = 256;

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final Database db;
    private final DurableFiles files;
    private final SpoolLayout layout;
    private final EntryRemover remover;
    private final Path indexDir;
    private final long reserveBytes;
    private final Clock clock;
    private final StoreMetrics metrics;
    private final QueueIds ids;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread committer;

    private final Object lifecycle = new Object();
    private boolean closed;
    private int inFlight;

    FileSpool(Database db, DurableFiles files, SpoolLayout layout, EntryRemover remover, Path indexDir,
              long reserveBytes, Clock clock, StoreMetrics metrics) {
        this.db = db;
        this.files = files;
        this.layout = layout;
        this.remover = remover;
        this.indexDir = indexDir;
        this.reserveBytes = reserveBytes;
        this.clock = clock;
        this.metrics = metrics;
        this.ids = new QueueIds(clock);
        this.committer = Thread.ofPlatform().name("postkontor-store-committer").daemon(true).unstarted(this::commitLoop);
        this.committer.start();
    }

    /** The line served before the stored bytes of an entry in {@code mailbox}. */
    static byte[] deliveredTo(String mailbox) {
        return ("Delivered-To: " + mailbox + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    // ---- Spool

    @Override
    public DeliveryCheck check(MailAddress mailbox, long sizeHint) throws StoreException {
        if (!enoughDisk()) {
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
            if (!enoughDisk()) {
                throw new InsufficientStorageException("free-disk reserve reached on the spool or index volume");
            }
            DurableFiles.TempFile body;
            try {
                body = files.writeTemp(message, true);
            } catch (IOException e) {
                throw new StoreException("cannot write the message to the spool", e);
            }
            if (!enoughDisk()) {
                body.discard();
                throw new InsufficientStorageException("free-disk reserve reached on the spool or index volume");
            }
            Instant arrived = clock.instant();
            Pending p = new Pending(ids.next(), boxes, uidl, body, arrived, new CompletableFuture<>());
            queue.add(p);
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

    private boolean enoughDisk() throws StoreException {
        if (reserveBytes == 0) {
            return true;
        }
        try {
            return Files.getFileStore(layout.root()).getUsableSpace() >= reserveBytes
                    && Files.getFileStore(indexDir).getUsableSpace() >= reserveBytes;
        } catch (IOException e) {
            throw new StoreException("cannot read free disk space", e);
        }
    }

    // ---- MailboxPurger

    @Override
    public void purge(MailAddress mailbox) throws StoreException {
        EntryRemover.Removed r = db.write(c -> remover.removeAll(c, mailbox.toString()));
        remover.deleteBodies(r.bodyPaths());
        if (r.entries() > 0) {
            log.info("purged mailbox: entries={} bodies={}", r.entries(), r.bodyPaths().size());
        }
    }

    // ---- group commit

    private record Pending(String queueId, List<MailAddress> mailboxes, String uidl, DurableFiles.TempFile body,
                           Instant arrived, CompletableFuture<Receipt> done) {}

    /** What the committer decided for one delivery of a batch. */
    private static final class Decision {
        final Pending p;
        final String path;
        final Map<MailAddress, Long> accepted = new LinkedHashMap<>();
        final Map<MailAddress, DeliveryCheck> refused = new LinkedHashMap<>();
        StoreException failure;
        boolean moved;

        Decision(Pending p) {
            this.p = p;
            this.path = SpoolLayout.bodyPath(p.queueId(), p.arrived());
        }
    }

    private void commitLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    synchronized (lifecycle) {
                        if (closed && inFlight == 0 && queue.isEmpty()) {
                            return;
                        }
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                // only close() interrupts, after every delivery has left
                return;
            } catch (RuntimeException | Error e) {
                log.error("group commit failed unexpectedly", e);
                for (Pending p : batch) {
                    p.body().discard();
                    p.done().completeExceptionally(new StoreException("delivery failed", e));
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Pending> batch) {
        List<Decision> decisions = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            decisions.add(new Decision(p));
        }
        try {
            db.write(c -> {
                decide(c, decisions);
                Set<Path> dirs = new LinkedHashSet<>();
                for (Decision d : decisions) {
                    if (d.failure == null && !d.accepted.isEmpty()) {
                        try {
                            dirs.addAll(files.moveIntoPlace(d.p.body(), Path.of(d.path)));
                            d.moved = true;
                        } catch (IOException e) {
                            throw new StoreException("cannot move a body into the spool", e);
                        }
                    }
                }
                for (Path dir : dirs) {
                    try {
                        files.syncDirectory(dir);
                    } catch (IOException e) {
                        throw new StoreException("cannot fsync a spool directory", e);
                    }
                }
                insert(c, decisions);
                return null;
            });
        } catch (StoreException | RuntimeException e) {
            log.error("group commit of {} deliveries failed: {}", batch.size(), e.toString());
            StoreException failure = e instanceof StoreException se ? se : new StoreException("delivery failed", e);
            for (Decision d : decisions) {
                if (d.moved) {
                    DurableFiles.deleteQuietly(layout.resolve(d.path));
                }
                d.p.body().discard();
                d.p.done().completeExceptionally(failure);
            }
            return;
        }
        metrics.groupCommit(batch.size());
        for (Decision d : decisions) {
            if (d.failure != null) {
                d.p.body().discard();
                d.p.done().completeExceptionally(d.failure);
                continue;
            }
            if (!d.moved) {
                d.p.body().discard();
            } else {
                metrics.delivered(d.accepted.size(), d.p.body().octets());
            }
            d.p.done().complete(new Receipt(d.p.queueId(), d.p.body().octets(), d.accepted.keySet(), d.refused));
        }
    }

    /** Checks every mailbox of every delivery, counting the batch's earlier acceptances. */
    private void decide(Connection c, List<Decision> decisions) throws SQLException {
        Map<String, MailboxState> states = new HashMap<>();
        Set<String> batchUidls = new HashSet<>();
        for (Decision d : decisions) {
            long bodyOctets = d.p.body().octets();
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
                "INSERT INTO messages (queue_id, path, octets, received_at) VALUES (?, ?, ?, ?)",
                new String[] {"id"});
             PreparedStatement entry = c.prepareStatement(
                "INSERT INTO mailbox_entries (mailbox, message_id, uidl, octets, arrived_at) VALUES (?, ?, ?, ?, ?)")) {
            for (Decision d : decisions) {
                if (!d.moved) {
                    continue;
                }
                OffsetDateTime at = d.p.arrived().atOffset(ZoneOffset.UTC);
                msg.setString(1, d.p.queueId());
                msg.setString(2, d.path);
                msg.setLong(3, d.p.body().octets());
                msg.setObject(4, at);
                msg.executeUpdate();
                long messageId;
                try (ResultSet keys = msg.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new SQLException("no generated key for messages");
                    }
                    messageId = keys.getLong(1);
                }
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

    /** Refuses new deliveries, waits (bounded) for those in flight, stops the committer. */
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
        try {
            committer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (committer.isAlive()) {
            committer.interrupt();
        }
    }
}
