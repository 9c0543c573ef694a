package org.postkontor.badmail;

/**
 * What the badmail queue reports; bound to Prometheus in {@code deploy}. Every method has a no-op
 * default. {@code kind} is always a {@link ReasonKind#label(String) bounded label}; no address is
 * ever passed. Gauges (items, bytes, age of the oldest item) are read on scrape from
 * {@link BadmailQueue#status()}. Implementations must be thread-safe and fast (no I/O).
 *
 * <p>Maps onto the names in the Metrics section of README.md: {@link #arrived} →
 * {@code postkontor_badmail_arrivals_total{reason=kind}}; {@link #evicted} →
 * {@code postkontor_badmail_evictions_total{reason=cause.label()}} ({@code age}, {@code size_cap});
 * {@link #deleted} → {@code …evictions_total{reason="deleted"}}; {@link #redelivered} →
 * {@code …evictions_total{reason="redelivered"}} and
 * {@code postkontor_badmail_redeliveries_total{result="delivered"}}; {@link #redeliveryFailed} →
 * {@code …redeliveries_total{result="failed"}}. Gauges from {@link BadmailQueue#status()}:
 * {@code postkontor_badmail_items}, {@code _bytes}, {@code _oldest_age_seconds},
 * {@code _capacity_bytes}.
 */
public interface BadmailMetrics {

    BadmailMetrics NOOP = new BadmailMetrics() {};

    /** Why retention removed an item. */
    enum EvictionCause {
        /** Older than {@link BadmailConfig#maxAge()}. */
        AGE,
        /** The oldest item, removed to bring the total under {@link BadmailConfig#maxTotalBytes()}. */
        SIZE_CAP;

        /** Label value: {@code age}, {@code size_cap}. */
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

    /**
     * A redelivery delivered nothing: a recipient did not resolve, no mailbox took it, or the store
     * failed. The item stays.
     */
    default void redeliveryFailed(String kind) {}

    /** The admin deleted an item (one by one or by purge). */
    default void deleted(String kind) {}
}
