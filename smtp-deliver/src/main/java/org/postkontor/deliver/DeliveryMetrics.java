package org.postkontor.deliver;

import java.time.Duration;
import java.util.Locale;

/**
 * What outbound delivery reports; bound to Prometheus in {@code deploy}. No-op defaults; called from
 * delivery threads concurrently; labels are fixed sets, never an address or a domain.
 */
public interface DeliveryMetrics {

    DeliveryMetrics NOOP = new DeliveryMetrics() {};

    /** One recipient's attempt ended this way. */
    default void recipient(Result result) {}

    /** A bounce (or delay warning) was put into a local sender's mailbox. */
    default void bounce(boolean delayWarning) {}

    /** A connection to a remote server was made, with TLS or not. */
    default void connection(String tlsProtocol) {}

    /** One message's delivery to one destination took this long (connecting included). */
    default void attempt(Duration took) {}

    enum Result {
        DELIVERED, DEFERRED, FAILED, EXPIRED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
