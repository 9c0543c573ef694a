package org.postkontor.store;

import java.time.Duration;

/** What the store reports; bound to Prometheus in {@code deploy}. Every method has a no-op default. */
public interface StoreMetrics {

    StoreMetrics NOOP = new StoreMetrics() {};

    /** One fsync (file or directory) took this long. */
    default void fsync(Duration took) {}

    /** One group commit covered this many deliveries. */
    default void groupCommit(int deliveries) {}

    /** A message was delivered to {@code entries} mailboxes. */
    default void delivered(int entries, long octets) {}

    /** Entries expunged by POP3. */
    default void expunged(int entries) {}

    /** Startup reconciliation found and handled this many of {@code kind} (e.g. {@code orphan_body}). */
    default void reconciled(String kind, int count) {}

    /**
     * A password login of an existing, enabled user consulted the auth cache: {@code hit} = answered
     * without the slow hash, else a full verification ran. Not called while the cache is off.
     */
    default void authCache(boolean hit) {}
}
