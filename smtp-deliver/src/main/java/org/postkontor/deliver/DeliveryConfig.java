package org.postkontor.deliver;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of outbound delivery, validated once; immutable.
 *
 * @param hostname        the name given in EHLO and in bounces' Reporting-MTA
 * @param dnsServers      DNS servers to ask ({@code dns.servers}); empty: the system's resolver
 * @param port            the port of MX hosts (25; tests use 25 on another loopback address)
 * @param firstRetry      the delay after the first temporary failure, doubled at each further one
 * @param maxRetry        the longest delay between attempts
 * @param lifetime        a message still undelivered this long after arrival fails ({@code queue.lifetime})
 * @param delayWarning    the sender is told once that a message is delayed, this long after arrival
 * @param perDomain       connections at once to one destination domain (or to the relay)
 * @param maxConnections  connections at once in all
 * @param connectTimeout  to open a connection
 * @param commandTimeout  for each reply (RFC 5321 §4.5.3.2: minutes; the data's end gets 10 minutes)
 * @param pollInterval    how often the queue is looked at for due messages
 * @param relay           the smarthost everything goes through, or empty to deliver by MX
 */
public record DeliveryConfig(String hostname, List<InetSocketAddress> dnsServers, int port, Duration firstRetry,
                             Duration maxRetry, Duration lifetime, Duration delayWarning, int perDomain,
                             int maxConnections, Duration connectTimeout, Duration commandTimeout,
                             Duration pollInterval, Optional<Relay> relay) {

    public static final Duration DEFAULT_FIRST_RETRY = Duration.ofMinutes(5);
    public static final Duration DEFAULT_MAX_RETRY = Duration.ofHours(1);
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(5);
    public static final Duration DEFAULT_DELAY_WARNING = Duration.ofHours(4);

    public DeliveryConfig {
        Objects.requireNonNull(hostname, "hostname");
        dnsServers = List.copyOf(dnsServers);
        Objects.requireNonNull(relay, "relay");
        if (port < 1 || port > 65535 || perDomain < 1 || maxConnections < perDomain) {
            throw new IllegalArgumentException("port 1-65535, perDomain >= 1, maxConnections >= perDomain");
        }
        for (Duration d : List.of(firstRetry, maxRetry, lifetime, delayWarning, connectTimeout, commandTimeout,
                pollInterval)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("durations must be positive");
            }
        }
    }

    /** Defaults: MX delivery on port 25, the system's resolver. */
    public static DeliveryConfig defaults(String hostname) {
        return new DeliveryConfig(hostname, List.of(), 25, DEFAULT_FIRST_RETRY, DEFAULT_MAX_RETRY, DEFAULT_LIFETIME,
                DEFAULT_DELAY_WARNING, 2, 20, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(1),
                Optional.empty());
    }

    /**
     * A smarthost ({@code relay.*}): every message goes there, with TLS always (STARTTLS required on
     * {@code port}, or implicit TLS) and a verified certificate, and AUTH when a user is given.
     */
    public record Relay(String host, int port, boolean implicitTls, Optional<String> username,
                        Optional<String> password) {
        public Relay {
            Objects.requireNonNull(host, "host");
            if (username.isPresent() != password.isPresent()) {
                throw new IllegalArgumentException("relay.username and relay.password go together");
            }
        }
    }

    /** The same with these values (tests). */
    public DeliveryConfig withRetries(Duration first, Duration max, Duration poll) {
        return new DeliveryConfig(hostname, dnsServers, port, first, max, lifetime, delayWarning, perDomain,
                maxConnections, connectTimeout, commandTimeout, poll, relay);
    }

    public DeliveryConfig withDns(List<InetSocketAddress> servers) {
        return new DeliveryConfig(hostname, servers, port, firstRetry, maxRetry, lifetime, delayWarning, perDomain,
                maxConnections, connectTimeout, commandTimeout, pollInterval, relay);
    }

    public DeliveryConfig withRelay(Optional<Relay> r) {
        return new DeliveryConfig(hostname, dnsServers, port, firstRetry, maxRetry, lifetime, delayWarning, perDomain,
                maxConnections, connectTimeout, commandTimeout, pollInterval, r);
    }
}
