package org.postkontor.store;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Submitted mail waiting for delivery to other servers. A message holds its envelope (sender,
 * recipients) and, per recipient, a state: pending (with its attempts and the time of the next),
 * delivered or failed. A message leaves the queue when no recipient is pending any more, or when an
 * admin deletes it.
 *
 * <p>Lifecycle: the submission listener calls {@link #enqueue} before its 250; the delivery runner
 * lists what is due, {@link #open}s the bytes and {@link #record}s each attempt's outcome; the
 * admin lists, shows, {@link #retryNow retries} and {@link #delete deletes}. Every change returns
 * once it is durable. Thread-safe.
 */
public interface OutboundQueue {

    /**
     * Stores a message for these recipients, all pending and due now. Returns once it is durable
     * (temp file, fsync, atomic move, directory fsync, as {@link Spool#deliver}). The stream is read
     * to its end and not closed; line ends are normalized to CRLF.
     *
     * @param sender the envelope sender, or empty for the null sender {@code <>}
     * @throws InsufficientStorageException the free-disk reserve would be crossed
     */
    QueuedMessage enqueue(String sender, List<String> recipients, InputStream message) throws StoreException;

    /** Every message in the queue, oldest first. */
    List<QueuedMessage> list() throws StoreException;

    Optional<QueuedMessage> get(String id) throws StoreException;

    /** The message's bytes (CRLF line ends); the caller closes the stream. */
    InputStream open(String id) throws StoreException;

    /**
     * Records the outcome of a delivery attempt for some of a message's recipients (one durable
     * change for all of them). A message whose recipients are all final leaves the queue.
     *
     * @return the message as it is now (its recipients all final when it has left the queue)
     * @throws NotFoundException no such message (delivered, failed or deleted meanwhile)
     */
    QueuedMessage record(String id, List<Outcome> outcomes) throws StoreException;

    /** Notes that the sender was told the message is delayed, so that it is said once. */
    void markWarned(String id) throws StoreException;

    /** Makes every pending recipient of the message due now. False if there is no such message. */
    boolean retryNow(String id) throws StoreException;

    /** Removes the message for good, whatever its recipients' states. False if there was none. */
    boolean delete(String id) throws StoreException;

    /** Messages, their bytes and the oldest arrival. */
    Totals totals() throws StoreException;

    /** Where one recipient stands. */
    enum State { PENDING, DELIVERED, FAILED }

    /**
     * One recipient of a queued message.
     *
     * @param attempts   delivery attempts made so far
     * @param nextAttempt when it is due (meaningful while pending)
     * @param lastReply  the last answer or error (e.g. {@code 451 4.7.1 try later}), empty before any
     */
    record Recipient(String address, State state, int attempts, Instant nextAttempt, String lastReply) {
        public Recipient {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(nextAttempt, "nextAttempt");
            Objects.requireNonNull(lastReply, "lastReply");
        }
    }

    /**
     * A message in the queue.
     *
     * @param sender  the envelope sender; empty for the null sender
     * @param octets  the stored bytes
     * @param warned  the sender was told it is delayed
     */
    record QueuedMessage(String id, String sender, Instant arrived, long octets, List<Recipient> recipients,
                         boolean warned) {
        public QueuedMessage {
            recipients = List.copyOf(recipients);
        }

        public List<Recipient> pending() {
            return recipients.stream().filter(r -> r.state() == State.PENDING).toList();
        }

        /** The earliest time a pending recipient is due, or empty when none is pending. */
        public Optional<Instant> nextAttempt() {
            return pending().stream().map(Recipient::nextAttempt).min(Instant::compareTo);
        }
    }

    /**
     * What one attempt did for one recipient: {@code state} DELIVERED or FAILED is final; PENDING
     * defers it to {@code nextAttempt}.
     */
    record Outcome(String recipient, State state, Instant nextAttempt, String reply) {
        public Outcome {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(reply, "reply");
            if (state == State.PENDING) {
                Objects.requireNonNull(nextAttempt, "a deferral needs its next attempt");
            }
        }

        public static Outcome delivered(String recipient, String reply) {
            return new Outcome(recipient, State.DELIVERED, null, reply);
        }

        public static Outcome failed(String recipient, String reply) {
            return new Outcome(recipient, State.FAILED, null, reply);
        }

        public static Outcome deferred(String recipient, Instant next, String reply) {
            return new Outcome(recipient, State.PENDING, next, reply);
        }
    }

    record Totals(long messages, long octets, Optional<Instant> oldest) {}
}
