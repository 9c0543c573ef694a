package org.postkontor.store;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Storage of the badmail queue (mail accepted but not deliverable): originals byte-exact under
 * the badmail directory, indexed beside the mailboxes. Policy (retention, eviction, redelivery,
 * metrics) lives in the {@code badmail} module. Thread-safe.
 */
public interface BadmailStore {

    /**
     * Stores an item durably (same guarantee as {@link Spool#deliver}); returns once it is
     * fsynced and indexed. The original is kept exactly as given (no line-end normalization).
     */
    BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original)
            throws StoreException;

    /** Matching items, oldest first. */
    List<BadmailItem> list(BadmailQuery query) throws StoreException;

    Optional<BadmailItem> get(String id) throws StoreException;

    /** The original bytes; the caller closes the stream. */
    InputStream open(String id) throws StoreException;

    /** Removes one item (index row, then file). False if it was not there. */
    boolean remove(String id) throws StoreException;

    BadmailTotals totals() throws StoreException;

    /** Envelope as received. {@code recipients} are the ones that failed. */
    record BadmailEnvelope(String sender, List<String> recipients, String clientAddress, String helo,
                           Instant received) {
        public BadmailEnvelope {
            recipients = List.copyOf(recipients);
        }
    }

    /**
     * Why it could not be delivered. {@code kind} is a short fixed word usable as a metrics label
     * ({@code unknown_user}, {@code dangling_alias}, {@code mailbox_full}, {@code mailbox_disabled},
     * {@code store_permanent}, {@code loop}).
     */
    record BadmailReason(String kind, int code, String enhancedStatus, String text, Instant at) {}

    record BadmailItem(String id, BadmailEnvelope envelope, BadmailReason reason, long octets) {}

    /**
     * Filters; null means any. {@code receivedBefore} selects items received before that instant.
     * {@code offset}/{@code limit} page the result (limit 0 = no limit).
     */
    record BadmailQuery(String kind, String recipient, String domain, Instant receivedBefore,
                        int offset, int limit) {
        public static final BadmailQuery ALL = new BadmailQuery(null, null, null, null, 0, 0);
    }

    record BadmailTotals(long items, long octets, Optional<Instant> oldest) {}
}
