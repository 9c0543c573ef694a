package org.postkontor.smtp.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postkontor.smtp.DnsblConfig;
import org.postkontor.smtp.Network;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.DnsblResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * DNSBL look-ups (RFC 5782) with dnsjava: the client's address reversed under each zone, all
 * zones asked at once, an A record in 127.0.0.0/8 meaning "listed". Answers in 127.255.255.0/24
 * are a list's own error codes (Spamhaus: query refused, e.g. through a public resolver), and
 * count as not listed, as do a timeout and any DNS error. Thread-safe.
 */
final class Blocklists {

    private static final Logger log = LoggerFactory.getLogger("postkontor.smtp");

    private final DnsblConfig config;
    private final Resolver resolver;
    private final SmtpMetrics metrics;

    Blocklists(DnsblConfig config, SmtpMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        if (!config.enabled()) {
            this.resolver = null;
        } else {
            ExtendedResolver r = config.servers().isEmpty() ? new ExtendedResolver()
                    : new ExtendedResolver(config.servers().stream().<Resolver>map(SimpleResolver::new).toList());
            r.setTimeout(config.timeout());
            this.resolver = r;
        }
    }

    /** The first zone (in configured order) that lists {@code client}; empty if none does or it is allowed. */
    Optional<String> listing(InetAddress client) {
        if (!config.enabled()) {
            return Optional.empty();
        }
        for (Network n : config.allow()) {
            if (n.contains(client)) {
                metrics.dnsblCheck(DnsblResult.ALLOWED);
                return Optional.empty();
            }
        }
        String reversed = reversed(client);
        List<CompletableFuture<Message>> answers = new ArrayList<>();
        for (String zone : config.zones()) {
            try {
                Record q = Record.newRecord(Name.fromString(reversed + "." + zone + "."), Type.A, DClass.IN);
                answers.add(resolver.sendAsync(Message.newQuery(q)).toCompletableFuture());
            } catch (TextParseException e) {
                answers.add(CompletableFuture.failedFuture(e));
            }
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        int failed = 0;
        Optional<String> listed = Optional.empty();
        for (int i = 0; i < answers.size(); i++) {
            try {
                Message m = answers.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (listed.isEmpty() && listedIn(m)) {
                    listed = Optional.of(config.zones().get(i));
                } else if (m.getRcode() != Rcode.NOERROR && m.getRcode() != Rcode.NXDOMAIN) {
                    failed++;
                }
            } catch (ExecutionException | TimeoutException e) {
                failed++;
                log.debug("dnsbl zone={} no answer: {}", config.zones().get(i), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed++;
                break;
            }
        }
        answers.forEach(f -> f.cancel(true));
        metrics.dnsblCheck(listed.isPresent() ? DnsblResult.LISTED
                : failed == answers.size() ? DnsblResult.ERROR : DnsblResult.NOT_LISTED);
        return listed;
    }

    private static boolean listedIn(Message m) {
        if (m.getRcode() != Rcode.NOERROR) {
            return false;
        }
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a) {
                byte[] b = a.getAddress().getAddress();
                if (b[0] == 127 && !(b[1] == (byte) 255 && b[2] == (byte) 255)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code 192.0.2.99} → {@code 99.2.0.192}; IPv6 as 32 nibbles, least significant first (RFC 5782 §2.4). */
    static String reversed(InetAddress ip) {
        byte[] b = ip.getAddress(); // an IPv4-mapped IPv6 address is an Inet4Address in the JDK already
        StringBuilder s = new StringBuilder();
        if (ip instanceof Inet4Address) {
            for (int i = 3; i >= 0; i--) {
                s.append(b[i] & 0xff).append(i > 0 ? "." : "");
            }
            return s.toString();
        }
        for (int i = 15; i >= 0; i--) {
            s.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16));
            if (i > 0) {
                s.append('.');
            }
        }
        return s.toString();
    }
}
