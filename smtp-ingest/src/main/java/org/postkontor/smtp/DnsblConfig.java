package org.postkontor.smtp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Connection-time DNS blocklist checks: the client's address is looked up in every zone at
 * connect; a client listed in any zone gets 554 5.7.1 at connect or at each RCPT. A zone that
 * does not answer in time counts as "not listed" (as Postfix does). Off when {@code zones} is empty.
 *
 * @param zones    DNSBL zones, e.g. {@code zen.spamhaus.org}
 * @param allow    clients in these networks are never looked up
 * @param rejectAt when a listed client is refused
 * @param timeout  the longest the look-ups of one connection may take together
 * @param servers  the DNS servers to ask ({@code dns.servers}); empty = the system's (resolv.conf)
 */
public record DnsblConfig(List<String> zones, List<Network> allow, RejectAt rejectAt, Duration timeout,
                          List<InetSocketAddress> servers) {

    public static final DnsblConfig OFF = new DnsblConfig(List.of(), List.of(), RejectAt.RCPT, Duration.ofSeconds(5),
            List.of());

    public DnsblConfig {
        zones = List.copyOf(zones);
        for (String z : zones) {
            if (!z.matches("([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
                throw new IllegalArgumentException("smtp.dnsbl-zones: not a DNS zone name: " + z);
            }
        }
        allow = List.copyOf(allow);
        Objects.requireNonNull(rejectAt, "rejectAt");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("smtp.dnsbl-timeout must be positive");
        }
        servers = List.copyOf(servers);
    }

    public boolean enabled() {
        return !zones.isEmpty();
    }

    /** When a listed client is refused. */
    public enum RejectAt {
        /** The greeting is 554 5.7.1 and the connection closes. */
        CONNECT,
        /** Every RCPT gets 554 5.7.1 (the log then shows sender and recipients). */
        RCPT
    }
}
