package org.postkontor.badmail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.ConflictException;
import org.postkontor.store.Directory;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.Spool;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;

/**
 * The badmail queue: mail that was accepted but cannot be delivered. SMTP hands items in through
 * {@link #admit}; the admin CLI and HTTP API call {@link #list}, {@link #show},
 * {@link #openOriginal}/{@link #export}, {@link #redeliver}, {@link #delete} and {@link #purge};
 * {@code deploy} runs {@link #sweep()} periodically (every minute is plenty: one indexed query
 * and the totals) and reads {@link #status()} for its gauges. Thread-safe; create one per store,
 * with constructor wiring only.
 *
 * <p>It wires the parts that do the work, one job each: {@link Admission} (intake),
 * {@link Retention} (age and size-cap eviction), {@link Listing} (the read side), {@link Removal}
 * (delete, purge) and {@link Redeliverer}; {@link InFlight} is what they share.
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

    private final BadmailConfig config;
    private final Admission admission;
    private final Retention retention;
    private final Listing listing;
    private final Removal removal;
    private final Redeliverer redeliverer;

    public BadmailQueue(BadmailStore store, Directory directory, Spool spool, BadmailConfig config, Clock clock,
                        BadmailMetrics metrics) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(spool, "spool");
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        InFlight inFlight = new InFlight();
        this.retention = new Retention(store, config, clock, metrics, inFlight);
        this.admission = new Admission(store, retention, inFlight, metrics);
        this.listing = new Listing(store, config, clock);
        this.removal = new Removal(store, clock, metrics, inFlight);
        this.redeliverer = new Redeliverer(store, listing, directory, spool, config, clock, metrics, inFlight);
    }

    /** The queue over a store's badmail storage, directory and spool. */
    public static BadmailQueue over(Store store, BadmailConfig config, Clock clock, BadmailMetrics metrics) {
        return new BadmailQueue(store.badmail(), store.directory(), store.spool(), config, clock, metrics);
    }

    public BadmailConfig config() {
        return config;
    }

    @Override
    public void admit(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException {
        admission.admit(envelope, reason, original);
    }

    /**
     * One retention pass: evicts items older than the maximum age, then the oldest items while the
     * total is over the cap. Run it periodically (every minute is plenty); safe to run while mail
     * arrives. Returns what it removed.
     */
    public SweepResult sweep() throws StoreException {
        return retention.sweep();
    }

    /** Gauges: items, bytes, age of the oldest item. */
    public BadmailStatus status() throws StoreException {
        return listing.status();
    }

    /**
     * One page of matching items, oldest first. {@code limit} above
     * {@link BadmailConfig#maxPageSize()} is lowered to it.
     */
    public BadmailPage list(BadmailFilter filter, int offset, int limit) throws StoreException {
        return listing.list(filter, offset, limit);
    }

    /** Envelope, reason, and the header block of the original (bounded by {@link BadmailConfig#maxHeaderBytes()}). */
    public BadmailDetail show(String id) throws StoreException {
        return listing.show(id);
    }

    /** The item, or {@link NotFoundException}. */
    public BadmailItem item(String id) throws StoreException {
        return listing.item(id);
    }

    /** The original bytes, exactly as received, streamed from disk (an {@code .eml}); the caller closes it. */
    public InputStream openOriginal(String id) throws StoreException {
        return listing.openOriginal(id);
    }

    /**
     * Streams the original into {@code out} (which stays open) and returns its size.
     *
     * @throws IOException reading the item or writing {@code out} failed
     */
    public long export(String id, OutputStream out) throws StoreException, IOException {
        return listing.export(id, out);
    }

    /**
     * Deletes one item; false if it was not there.
     *
     * @throws ConflictException the item is being redelivered right now
     */
    public boolean delete(String id) throws StoreException {
        return removal.delete(id);
    }

    /**
     * Deletes every item that matches {@code filter} and was received no later than the moment the
     * purge starts; mail arriving while it runs stays. Returns how many it deleted.
     */
    public int purge(BadmailFilter filter) throws StoreException {
        return removal.purge(filter);
    }

    /** Redelivers to the item's original recipients (as they resolve now). */
    public Redelivery redeliver(String id) throws StoreException {
        return redeliverer.redeliver(id, List.of());
    }

    /**
     * Resolves the recipients (the original ones if {@code to} is empty, else {@code to} instead)
     * through the directory (plus-addressing as SMTP does it), delivers the original through
     * {@link Spool#deliver} with {@code Return-Path:}, {@code Received:} and
     * {@code X-Postkontor-Badmail-Id:} lines before it, and then removes the item.
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
        return redeliverer.redeliver(id, to);
    }
}
