package org.postkontor.badmail;

/**
 * What the badmail queue reports; bound to Prometheus in {@code deploy}. Every method has a no-op
 * default. {@code kind} is always a {@link ReasonKind#label(String) bounded label}; no address is
 * ever passed. Gauges (items, bytes, age of the oldest item) are read on scrape from
 * {@link BadmailQueue#status()}. Implementations must be thread-safe and fast (no I/O).
 *
 * <p>Suggested names: {@code postkontor_badmail_arrivals_total{reason}},
 * {@code postkontor_badmail_evictions_total{reason,cause}},
 * {@code postkontor_badmail_evicted_bytes_total{cause}},
 * {@code postkontor_badmail_redeliveries_total{reason}},
 * {@code postkontor_badmail_deletions_total{reason}}, and the gauges
 * {@code postkontor_badmail_items}, {@code postkontor_badmail_bytes},
 * {@code postkontor_badmail_oldest_age_seconds}.
 */
public interface BadmailMetrics {

    BadmailMetrics NOOP = new BadmailMetrics() {};

    /** Why retention removed an item. */
    enum EvictionCause {
        /** Older than {@link BadmailConfig#maxAge()}. */
        AGE,
        /** The oldest item, removed to bring the total under {@link BadmailConfig#maxTotalBytes()}. */
        SIZE;

        /** Lower-case label value. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An item was stored durably. */
    default void arrived(String kind, long octets) {}

    /** Retention removed an item. */
    default void evicted(String kind, EvictionCause cause, long octets) {}

    /** An item was delivered into mailboxes and removed from badmail. */
    default void redelivered(String kind) {}

    /** The admin deleted an item (one by one or by purge). */
    default void deleted(String kind) {}
}
