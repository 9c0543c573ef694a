package org.postkontor.deliver;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where mail for a destination goes: the relay when one is set; else the domain's MX hosts by
 * preference (RFC 5321 §5.1), the domain itself when it has no MX (its A/AAAA), none for a null MX
 * (RFC 7505) or a domain that does not exist; narrowed by the domain's MTA-STS policy in enforce
 * mode, whose hosts then need verified TLS.
 */
final class Routes {

    private static final Logger log = LoggerFactory.getLogger("postkontor.delivery");

    /** The key of the relay's lane, which takes every domain. */
    static final String RELAY = "[relay]";

    sealed interface Route {}

    /** Try these hosts in order; {@code tls} for each. */
    record Hosts(List<String> hosts, int port, SmtpSession.Tls tls, Optional<String[]> login) implements Route {}

    /** No delivery is possible: fail the recipients with this reply. */
    record Fail(SmtpReply reply) implements Route {}

    /** Not now: defer with this reply. */
    record Later(SmtpReply reply) implements Route {}

    private final Dns dns;
    private final MtaSts sts;
    private final DeliveryConfig config;

    Routes(Dns dns, MtaSts sts, DeliveryConfig config) {
        this.dns = dns;
        this.sts = sts;
        this.config = config;
    }

    /** The lane a recipient's domain is delivered in. */
    String destination(String domain) {
        return config.relay().isPresent() ? RELAY : domain;
    }

    Route of(String destination) {
        if (config.relay().isPresent()) {
            DeliveryConfig.Relay r = config.relay().get();
            return new Hosts(List.of(r.host()), r.port(), r.implicitTls() ? SmtpSession.Tls.IMPLICIT
                    : SmtpSession.Tls.REQUIRED, r.username().map(u -> new String[] {u, r.password().orElseThrow()}));
        }
        List<String> hosts = new ArrayList<>();
        switch (dns.mx(destination)) {
            case Dns.Answer.Found<Dns.Mx> f -> {
                if (f.values().size() == 1 && f.values().get(0).host().isEmpty()) {
                    return new Fail(new SmtpReply(556, "5.1.10 " + destination + " does not accept mail (null MX)"));
                }
                f.values().forEach(m -> hosts.add(m.host()));
            }
            case Dns.Answer.NoData<Dns.Mx> n -> hosts.add(destination);
            case Dns.Answer.NoSuchName<Dns.Mx> n -> {
                return new Fail(new SmtpReply(550, "5.1.2 " + destination + " does not exist in the DNS"));
            }
            case Dns.Answer.TryLater<Dns.Mx> t -> {
                return new Later(SmtpReply.local("4.4.3", "DNS look-up of " + destination + " failed: " + t.why()));
            }
        }
        SmtpSession.Tls tls = SmtpSession.Tls.OPPORTUNISTIC;
        Optional<MtaSts.Policy> policy = sts.policy(destination);
        if (policy.isPresent() && policy.get().mode() == MtaSts.Mode.ENFORCE) {
            List<String> allowed = hosts.stream().filter(h -> policy.get().allows(h)).toList();
            if (allowed.isEmpty()) {
                return new Later(SmtpReply.local("4.7.5", "no MX host of " + destination
                        + " is named by its MTA-STS policy"));
            }
            hosts.retainAll(allowed);
            tls = SmtpSession.Tls.REQUIRED;
        } else if (policy.isPresent() && policy.get().mode() == MtaSts.Mode.TESTING) {
            hosts.stream().filter(h -> !policy.get().allows(h)).forEach(h ->
                    log.info("event=mta_sts_testing domain={} mx={} named=false", destination, h));
        }
        return new Hosts(hosts, config.port(), tls, Optional.empty());
    }

    /** The host's addresses (A, then AAAA), or empty. */
    List<InetAddress> addresses(String host) {
        return dns.addresses(host) instanceof Dns.Answer.Found<InetAddress> f ? f.values() : List.of();
    }
}
