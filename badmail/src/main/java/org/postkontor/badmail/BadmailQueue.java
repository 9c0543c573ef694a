package org.postkontor.badmail;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.badmail.BadmailMetrics.EvictionCause;
import org.postkontor.badmail.internal.HeaderBlock;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.BadmailStore.BadmailTotals;
import org.postkontor.store.ConflictException;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.Directory;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.Receipt;
import org.postkontor.store.Resolution;
import org.postkontor.store.Spool;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The badmail queue: mail that was accepted but cannot be delivered. SMTP hands items in through
 * {@link #admit}; the admin CLI and HTTP API call {@link #list}, {@link #show},
 * {@link #openOriginal}/{@link #export}, {@link #redeliver}, {@link #delete} and {@link #purge};
 * {@code deploy} runs {@link #sweep()} periodically (every minute is plenty: one indexed query
 * and the totals) and reads {@link #status()} for its gauges. Thread-safe; create one per store,
 * with constructor wiring only.
 *
 * <h2>Retention</h2>
 * Items received more than {@link BadmailConfig#maxAge()} ago are evicted by {@link #sweep()}.
 * When the total size passes {@link BadmailConfig#maxTotalBytes()}, the oldest items are evicted
 * right after each admit and by every sweep, so badmail never fills its volume; the item being
 * admitted is never evicted by its own arrival. Every eviction is logged
 * ({@code event=evicted}) and counted ({@link BadmailMetrics#evicted}). If the volume is at the
 * store's free-disk reserve, admit fails with {@link InsufficientStorageException} and SMTP
 * answers 452 4.3.1 (the sender retries later); nothing is evicted for room on the disk, since
 * that reserve is shared with whatever else fills the volume.
 *
 * <h2>Redelivery and crashes</h2>
 * {@link #redeliver} delivers through {@link Spool#deliver} and removes the item only after that
 * delivery is committed. A crash between the two leaves the message in the mailboxes and the item
 * still in badmail: <b>at least once</b>. Redelivering that item again delivers a second copy; the
 * log line {@code event=redelivery_committed id=… queue_id=…} written right after the commit tells
 * the admin it already went out, and the redelivered copy carries
 * {@code X-Postkontor-Badmail-Id: <id>} so a duplicate is recognizable in the mailbox.
 *
 * <h2>Concurrency</h2>
 * Retention passes run one at a time, and an admit never waits for one: if a pass is running, that
 * pass checks the cap again before it ends. Items whose admit has not returned yet and items being
 * redelivered are never evicted. {@link #purge} removes only items received when it starts, so
 * mail arriving during a purge is never lost to it.
 */
public final class BadmailQueue implements BadmailIntake {

    private static final Logger log = LoggerFactory.getLogger("postkontor.badmail");

    /** Items listed per store query by retention and purge. */
    static final int BATCH = 200;

    /** Size-cap passes one admit may run for others before it returns. */
    private static final int MAX_PASSES_PER_CALL = 3;

    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final BadmailStore store;
    private final Directory directory;
    private final Spool spool;
    private final BadmailConfig config;
    private final Clock clock;
    private final BadmailMetrics metrics;
    /** One retention pass at a time; admits only ever try it. */
    private final ReentrantLock retention = new ReentrantLock();
    /** Set by an admit that may have taken the total over the cap. */
    private final AtomicBoolean capCheckNeeded = new AtomicBoolean();
    /**
     * Total size as the last retention pass saw it, minus what it evicted; -1 while unknown or
     * while a pass runs. With {@link #admittedSinceSnapshot} it bounds the total from above (admin
     * deletions only make it high), so an admit asks the store for its totals only near the cap.
     */
    private volatile long snapshotOctets = -1;
    /** Octets admitted since the last pass read the store's totals. */
    private final AtomicLong admittedSinceSnapshot = new AtomicLong();
    /** Ids retention must leave alone now: admits not yet returned, redeliveries in progress. */
    private final Set<String> pinned = ConcurrentHashMap.newKeySet();
    /** Ids being redelivered (a second redelivery of the same item is refused). */
    private final Set<String> redelivering = ConcurrentHashMap.newKeySet();

    public BadmailQueue(BadmailStore store, Directory directory, Spool spool, BadmailConfig config, Clock clock,
                        BadmailMetrics metrics) {
        this.store = Objects.requireNonNull(store, "store");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** The queue over a store's badmail storage, directory and spool. */
    public static BadmailQueue over(Store store, BadmailConfig config, Clock clock, BadmailMetrics metrics) {
        return new BadmailQueue(store.badmail(), store.directory(), store.spool(), config, clock, metrics);
    }

    public BadmailConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- intake

    @Override
    public void admit(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(original, "original");
        if (envelope.recipients().isEmpty()) {
            throw new IllegalArgumentException("a badmail item needs at least one failed recipient");
        }
        String label = ReasonKind.label(reason.kind());
        BadmailItem item;
        try {
            item = store.put(envelope, reason, original);
        } catch (InsufficientStorageException e) {
            log.warn("event=admit_refused cause=insufficient_storage kind={} rcpts={}", label,
                    envelope.recipients().size());
            throw e;
        }
        pinned.add(item.id());
        try {
            metrics.arrived(label, item.octets());
            log.info("event=admitted id={} kind={} code={} status={} octets={} rcpts={} client={}", item.id(), label,
                    reason.code(), safe(reason.enhancedStatus()), item.octets(), envelope.recipients().size(),
                    safe(envelope.clientAddress()));
            try {
                admittedSinceSnapshot.addAndGet(item.octets());
                long known = snapshotOctets;
                if (known < 0 || known + admittedSinceSnapshot.get() > config.maxTotalBytes()) {
                    capCheckNeeded.set(true);
                    enforceCapUnlessBusy("admit");
                }
            } catch (StoreException | RuntimeException e) {
                // The item is durable and SMTP must answer 250: a failed eviction only waits for the next sweep.
                log.error("event=retention_failed trigger=admit id={}", item.id(), e);
            }
        } finally {
            pinned.remove(item.id());
        }
    }

    // ---------------------------------------------------------------- retention

    /**
     * One retention pass: evicts items older than the maximum age, then the oldest items while the
     * total is over the cap. Run it periodically (every minute is plenty); safe to run while mail
     * arrives. Returns what it removed.
     */
    public SweepResult sweep() throws StoreException {
        SweepResult r;
        retention.lock();
        try {
            capCheckNeeded.set(false);
            r = expireByAge().plus(enforceSizeCap());
        } finally {
            retention.unlock();
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
        for (int round = 0; round < MAX_PASSES_PER_CALL && capCheckNeeded.get() && retention.tryLock(); round++) {
            SweepResult r = SweepResult.NONE;
            try {
                for (int pass = 0; pass < MAX_PASSES_PER_CALL && capCheckNeeded.getAndSet(false); pass++) {
                    r = r.plus(enforceSizeCap());
                }
            } finally {
                retention.unlock();
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
        int evicted = 0;
        long freed = 0;
        int offset = 0; // items listed but left in place (pinned, or removed by someone else)
        while (true) {
            List<BadmailItem> page = store.list(new BadmailQuery(null, null, null, cutoff, offset, BATCH));
            for (BadmailItem item : page) {
                if (pinned.contains(item.id())) {
                    offset++;
                } else if (evict(item, EvictionCause.AGE)) {
                    evicted++;
                    freed += item.octets();
                } else if (stillThere(item)) {
                    offset++;
                }
            }
            if (page.size() < BATCH) {
                return new SweepResult(evicted, 0, freed);
            }
        }
    }

    /** Call with the retention lock held. */
    private SweepResult enforceSizeCap() throws StoreException {
        snapshotOctets = -1; // arrivals during this pass ask for a check: the pass may not count them
        admittedSinceSnapshot.set(0);
        BadmailTotals totals = store.totals();
        long excess = totals.octets() - config.maxTotalBytes();
        int evicted = 0;
        long freed = 0;
        int offset = 0;
        while (excess > 0) {
            List<BadmailItem> page = store.list(new BadmailQuery(null, null, null, null, offset, BATCH));
            for (BadmailItem item : page) {
                if (excess <= 0) {
                    break;
                }
                if (pinned.contains(item.id())) {
                    offset++;
                } else if (evict(item, EvictionCause.SIZE_CAP)) {
                    evicted++;
                    freed += item.octets();
                    excess -= item.octets();
                } else if (stillThere(item)) {
                    offset++;
                }
            }
            if (page.size() < BATCH) {
                break;
            }
        }
        snapshotOctets = totals.octets() - freed;
        return new SweepResult(0, evicted, freed);
    }

    /**
     * After a remove that found nothing: false if the item is gone (removed by another call, so the
     * listing moved up by one), true if the store still lists it (skip it, so every loop ends).
     */
    private boolean stillThere(BadmailItem item) throws StoreException {
        return store.get(item.id()).isPresent();
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

    // ---------------------------------------------------------------- read side

    /** Gauges: items, bytes, age of the oldest item. */
    public BadmailStatus status() throws StoreException {
        BadmailTotals t = store.totals();
        Instant now = clock.instant();
        Optional<Duration> oldestAge = t.oldest().map(o -> o.isAfter(now) ? Duration.ZERO : Duration.between(o, now));
        return new BadmailStatus(t.items(), t.octets(), oldestAge, config.maxTotalBytes());
    }

    /**
     * One page of matching items, oldest first. {@code limit} above
     * {@link BadmailConfig#maxPageSize()} is lowered to it.
     */
    public BadmailPage list(BadmailFilter filter, int offset, int limit) throws StoreException {
        Objects.requireNonNull(filter, "filter");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be 0 or more");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more");
        }
        int size = Math.min(limit, config.maxPageSize());
        List<BadmailItem> found = store.list(query(filter, null, offset, size + 1));
        boolean more = found.size() > size;
        return new BadmailPage(more ? found.subList(0, size) : found, offset, more);
    }

    /** Envelope, reason, and the header block of the original (bounded by {@link BadmailConfig#maxHeaderBytes()}). */
    public BadmailDetail show(String id) throws StoreException {
        BadmailItem item = item(id);
        try (InputStream in = new BufferedInputStream(store.open(id), 8192)) {
            HeaderBlock.Parsed p = HeaderBlock.read(in, config.maxHeaderBytes());
            return new BadmailDetail(item, p.headers(), p.truncated(), p.malformedLines());
        } catch (IOException e) {
            throw new StoreException("cannot read badmail item " + id, e);
        }
    }

    /** The item, or {@link NotFoundException}. */
    public BadmailItem item(String id) throws StoreException {
        Objects.requireNonNull(id, "id");
        return store.get(id).orElseThrow(() -> new NotFoundException("no badmail item " + id));
    }

    /** The original bytes, exactly as received, streamed from disk (an {@code .eml}); the caller closes it. */
    public InputStream openOriginal(String id) throws StoreException {
        item(id);
        return store.open(id);
    }

    /**
     * Streams the original into {@code out} (which stays open) and returns its size.
     *
     * @throws IOException reading the item or writing {@code out} failed
     */
    public long export(String id, OutputStream out) throws StoreException, IOException {
        try (InputStream in = openOriginal(id)) {
            return in.transferTo(out);
        }
    }

    // ---------------------------------------------------------------- admin changes

    /**
     * Deletes one item; false if it was not there.
     *
     * @throws ConflictException the item is being redelivered right now
     */
    public boolean delete(String id) throws StoreException {
        if (redelivering.contains(Objects.requireNonNull(id, "id"))) {
            throw new ConflictException("badmail item " + id + " is being redelivered");
        }
        Optional<BadmailItem> item = store.get(id);
        if (item.isEmpty() || !store.remove(id)) {
            return false;
        }
        String label = ReasonKind.label(item.get().reason().kind());
        metrics.deleted(label);
        log.info("event=deleted id={} kind={} octets={}", id, label, item.get().octets());
        return true;
    }

    /**
     * Deletes every item that matches {@code filter} and was received no later than the moment the
     * purge starts; mail arriving while it runs stays. Returns how many it deleted.
     */
    public int purge(BadmailFilter filter) throws StoreException {
        Objects.requireNonNull(filter, "filter");
        Instant start = clock.instant();
        // "No later than start", robust to an index that keeps microseconds only.
        BadmailQuery base = query(filter, start.plus(1, ChronoUnit.MICROS), 0, BATCH);
        int deleted = 0;
        long freed = 0;
        int offset = 0;
        while (true) {
            List<BadmailItem> page = store.list(withOffset(base, offset));
            for (BadmailItem item : page) {
                if (store.remove(item.id())) {
                    deleted++;
                    freed += item.octets();
                    metrics.deleted(ReasonKind.label(item.reason().kind()));
                } else if (stillThere(item)) {
                    offset++;
                }
            }
            if (page.size() < BATCH) {
                break;
            }
        }
        log.info("event=purged deleted={} octets_freed={} kind={} domain={} older_than_s={}", deleted, freed,
                filter.kind() == null ? "any" : filter.kind(), filter.domain() == null ? "any" : filter.domain(),
                filter.olderThan() == null ? "any" : filter.olderThan().toSeconds());
        return deleted;
    }

    /** Redelivers to the item's original recipients (as they resolve now). */
    public Redelivery redeliver(String id) throws StoreException {
        return redeliver(id, List.of());
    }

    /** Redelivers to a corrected address instead of the original recipients. */
    public Redelivery redeliver(String id, MailAddress corrected) throws StoreException {
        return redeliver(id, List.of(Objects.requireNonNull(corrected, "corrected")));
    }

    /**
     * Resolves the recipients (the original ones if {@code to} is empty) through the directory
     * (plus-addressing as SMTP does it), delivers the original through {@link Spool#deliver}
     * with {@code Return-Path:}, {@code Received:} and {@code X-Postkontor-Badmail-Id:} lines
     * before it, and then removes the item.
     *
     * <ul>
     *   <li>A recipient that does not resolve to a local mailbox: nothing is delivered, the item
     *       stays, {@link UnresolvedRecipientException} names it.</li>
     *   <li>No mailbox takes it (over quota, disabled, ...): nothing is delivered, the item stays,
     *       the result says why.</li>
     *   <li>Some take it: the item is replaced by a new one for the refused mailboxes (same
     *       original, same received time, the refusal as its reason).</li>
     * </ul>
     *
     * @throws ConflictException the item is being redelivered by another call
     * @throws NotFoundException no such item
     */
    public Redelivery redeliver(String id, List<MailAddress> to) throws StoreException {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(to, "to");
        if (!redelivering.add(id)) {
            throw new ConflictException("badmail item " + id + " is being redelivered");
        }
        pinned.add(id);
        try {
            return redeliverPinned(item(id), to);
        } finally {
            pinned.remove(id);
            redelivering.remove(id);
        }
    }

    private Redelivery redeliverPinned(BadmailItem item, List<MailAddress> to) throws StoreException {
        String id = item.id();
        String label = ReasonKind.label(item.reason().kind());
        List<String> requested = to.isEmpty() ? item.envelope().recipients()
                : to.stream().map(MailAddress::toString).toList();
        Set<MailAddress> mailboxes = new LinkedHashSet<>();
        List<String> unresolved = new ArrayList<>();
        for (String recipient : requested) {
            List<MailAddress> local = resolve(recipient);
            if (local.isEmpty()) {
                unresolved.add(recipient);
            } else {
                mailboxes.addAll(local);
            }
        }
        if (!unresolved.isEmpty()) {
            metrics.redeliveryFailed(label);
            log.info("event=redelivery_failed id={} cause=unresolved unresolved={}", id, unresolved.size());
            throw new UnresolvedRecipientException(unresolved);
        }

        Receipt receipt;
        try (InputStream original = store.open(id)) {
            InputStream message = new SequenceInputStream(new ByteArrayInputStream(traceHeaders(item)), original);
            receipt = spool.deliver(mailboxes, message);
        } catch (IOException e) {
            metrics.redeliveryFailed(label);
            throw new StoreException("cannot read badmail item " + id, e);
        } catch (StoreException e) {
            metrics.redeliveryFailed(label);
            log.warn("event=redelivery_failed id={} cause=store error={}", id, e.getClass().getSimpleName());
            throw e;
        }
        List<MailAddress> delivered = mailboxes.stream().filter(receipt.delivered()::contains).toList();
        if (delivered.isEmpty()) {
            metrics.redeliveryFailed(label);
            log.info("event=redelivery_failed id={} cause=mailboxes_refused refused={}", id, receipt.refused().size());
            return new Redelivery(id, Optional.empty(), List.of(), receipt.refused(), Optional.empty());
        }
        // Committed. A crash from here until remove() leaves the item in badmail as well (at least once).
        log.info("event=redelivery_committed id={} queue_id={} mailboxes={}", id, receipt.queueId(), delivered.size());

        Optional<String> remainder = Optional.empty();
        if (!receipt.refused().isEmpty()) {
            remainder = Optional.of(putRemainder(item, receipt.refused()));
        }
        store.remove(id);
        metrics.redelivered(label);
        log.info("event=redelivered id={} kind={} queue_id={} mailboxes={} refused={} remainder={}", id, label,
                receipt.queueId(), delivered.size(), receipt.refused().size(), remainder.orElse("none"));
        return new Redelivery(id, Optional.of(receipt.queueId()), delivered, receipt.refused(), remainder);
    }

    /**
     * A local mailbox list for one recipient, or empty. As SMTP does it: {@code user+tag} is tried
     * as {@code user} first (so a catch-all does not swallow tagged mail of an existing user),
     * then as written.
     */
    private List<MailAddress> resolve(String recipient) throws StoreException {
        MailAddress address;
        try {
            address = MailAddress.parse(recipient);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        int sep = config.plusSeparator() == 0 ? -1 : address.localPart().indexOf(config.plusSeparator());
        if (sep > 0) {
            MailAddress base = new MailAddress(address.localPart().substring(0, sep), address.domain());
            if (directory.resolve(base) instanceof Resolution.Local local) {
                return local.mailboxes();
            }
        }
        if (directory.resolve(address) instanceof Resolution.Local local) {
            return local.mailboxes();
        }
        return List.of();
    }

    private String putRemainder(BadmailItem item, Map<MailAddress, DeliveryCheck> refused) throws StoreException {
        Map.Entry<MailAddress, DeliveryCheck> first = refused.entrySet().iterator().next();
        BadmailReason reason = reasonFor(first.getValue());
        BadmailEnvelope old = item.envelope();
        BadmailEnvelope envelope = new BadmailEnvelope(old.sender(),
                refused.keySet().stream().map(MailAddress::toString).sorted().toList(), old.clientAddress(), old.helo(),
                old.received());
        try (InputStream original = store.open(item.id())) {
            BadmailItem rest = store.put(envelope, reason, original);
            metrics.arrived(ReasonKind.label(reason.kind()), rest.octets());
            log.info("event=admitted id={} kind={} code={} status={} octets={} rcpts={} remainder_of={}", rest.id(),
                    reason.kind(), reason.code(), reason.enhancedStatus(), rest.octets(), refused.size(), item.id());
            return rest.id();
        } catch (IOException e) {
            throw new StoreException("cannot read badmail item " + item.id(), e);
        }
    }

    private BadmailReason reasonFor(DeliveryCheck check) {
        Instant now = clock.instant();
        return switch (check) {
            case OVER_QUOTA -> new BadmailReason(ReasonKind.MAILBOX_FULL, 452, "4.2.2",
                    "mailbox full at redelivery", now);
            case DISABLED -> new BadmailReason(ReasonKind.MAILBOX_DISABLED, 550, "5.2.1",
                    "mailbox disabled at redelivery", now);
            case NO_SUCH_MAILBOX -> new BadmailReason(ReasonKind.STORE_PERMANENT, 550, "5.1.1",
                    "mailbox removed at redelivery", now);
            case INSUFFICIENT_STORAGE -> new BadmailReason(ReasonKind.STORE_PERMANENT, 452, "4.3.1",
                    "insufficient storage at redelivery", now);
            case OK -> throw new IllegalStateException("OK is not a refusal");
        };
    }

    /** Trace lines the message never got because it went to badmail instead (RFC 5321 §4.4). */
    private byte[] traceHeaders(BadmailItem item) {
        BadmailEnvelope env = item.envelope();
        String sender = env.sender() == null ? "" : headerSafe(env.sender());
        String helo = env.helo() == null || env.helo().isBlank() ? "unknown" : headerSafe(env.helo());
        String client = env.clientAddress() == null || env.clientAddress().isBlank() ? "unknown"
                : headerSafe(env.clientAddress());
        String text = "Return-Path: <" + sender + ">\r\n"
                + "Received: from " + helo + " (" + client + ")\r\n"
                + "\tby " + config.hostName() + " with badmail id " + headerSafe(item.id()) + ";\r\n"
                + "\t" + RFC5322_DATE.format(clock.instant()) + "\r\n"
                + "X-Postkontor-Badmail-Id: " + headerSafe(item.id()) + "\r\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- helpers

    private BadmailQuery query(BadmailFilter f, Instant before, int offset, int limit) {
        Instant receivedBefore = before;
        if (f.olderThan() != null) {
            Instant cutoff = clock.instant().minus(f.olderThan());
            receivedBefore = receivedBefore == null || cutoff.isBefore(receivedBefore) ? cutoff : receivedBefore;
        }
        return new BadmailQuery(f.kind(), f.recipient(), f.domain(), receivedBefore, offset, limit);
    }

    private static BadmailQuery withOffset(BadmailQuery q, int offset) {
        return new BadmailQuery(q.kind(), q.recipient(), q.domain(), q.receivedBefore(), offset, q.limit());
    }

    private long ageSeconds(BadmailItem item) {
        Instant received = item.envelope().received();
        return received == null ? -1 : Math.max(0, Duration.between(received, clock.instant()).toSeconds());
    }

    /** For header lines: printable, no CR/LF, no angle brackets or parentheses, at most 255 characters. */
    private static String headerSafe(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 255));
        for (int i = 0; i < s.length() && b.length() < 255; i++) {
            char c = s.charAt(i);
            b.append(c <= 0x20 || c == 0x7f || "<>()".indexOf(c) >= 0 ? '?' : c);
        }
        return b.toString();
    }

    /** For log values: no spaces, CR or LF, bounded. */
    private static String safe(String s) {
        return s == null || s.isEmpty() ? "-" : headerSafe(s);
    }
}
