package org.postkontor.deploy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.config.ApplianceConfig.Listener;
import org.postkontor.deploy.config.Durations;
import org.postkontor.deploy.config.Sizes;

/** The lines printed at start (where everything is, and how to add a domain and a user) and by {@code config check}. */
final class Summary {
    private Summary() {}

    static List<String> startLines(Appliance a) {
        ApplianceConfig c = a.config();
        List<String> l = new ArrayList<>();
        l.add("summary: postkontor " + Version.current() + " is running, pid " + ProcessHandle.current().pid()
                + " (pid file " + a.pidFile() + ")");
        l.add("summary: config " + c.source().map(Object::toString).orElse("none, built-in defaults")
                + " (every key: postkontor config example)");
        l.add("summary: spool " + c.store().spoolDir().toAbsolutePath().normalize() + ", index " + c.store().indexDir().toAbsolutePath().normalize()
                + ", badmail " + c.store().badmailDir().toAbsolutePath().normalize() + ", free-disk reserve "
                + Sizes.format(c.store().freeDiskReserveBytes()));
        l.add("summary: tls " + (a.tls().selfSigned() ? "self-signed " : "") + a.tls().certFile().toAbsolutePath().normalize()
                + " (subject " + a.tls().certificate().getSubjectX500Principal().getName() + ", until "
                + a.tls().certificate().getNotAfter().toInstant() + ", profile " + a.tls().policy().name() + ")");
        a.address("smtp").ifPresent(x -> l.add("summary: smtp  " + hostPort(x) + families(x) + " (STARTTLS)"));
        a.address("smtp").ifPresent(x -> l.add("summary: filter " + filter(c)));
        a.address("pop3").ifPresent(x -> l.add("summary: pop3  " + hostPort(x) + families(x) + " (STLS)"));
        a.address("pop3s").ifPresent(x -> l.add("summary: pop3s " + hostPort(x) + families(x) + " (implicit TLS)"));
        a.address("submission").ifPresent(x -> l.add("summary: submission  " + hostPort(x) + families(x)
                + " (STARTTLS required, AUTH)"));
        a.address("submissions").ifPresent(x -> l.add("summary: submissions " + hostPort(x) + families(x)
                + " (implicit TLS, AUTH)"));
        ApplianceConfig.SendingSettings sending = c.sending();
        l.add("summary: delivery " + (!sending.deliveryEnabled() ? "off"
                : sending.delivery().relay().map(r -> "through the relay " + r.host() + ":" + r.port())
                .orElse("by MX") + ", DNS " + (sending.delivery().dnsServers().isEmpty() ? "the system's resolver"
                : String.join(", ", sending.delivery().dnsServers().stream()
                        .map(d -> d.getHostString() + ":" + d.getPort()).toList()))));
        a.address("http").ifPresent(x -> l.add("summary: http  http://" + hostPort(x)
                + "/metrics, /health/live, /health/ready"));
        String admin = c.adminTls() ? "https://" : "http://";
        a.address("admin").ifPresent(x -> l.add("summary: admin " + admin + clientHostPort(x)
                + "/ (web admin page; admin API under /api/v1/" + (c.web().userPages() ? "; self-service /me" : "")
                + ")"));
        a.address("autoconfig").ifPresent(x -> l.add("summary: autoconfig https://" + hostPort(x)
                + families(x) + " (Thunderbird, Outlook, Apple: clients are told " + c.clients().mailHost() + ")"));
        l.add("summary: add a domain: ./postkontor admin domain add example.test");
        l.add("summary: add a user:   ./postkontor admin user add alice@example.test (asks for the password)");
        l.add("summary: web admin:    ./postkontor admin web-user add admin (asks for the password), then sign in");
        a.address("smtp").ifPresent(x -> l.add("summary: send:         swaks --server " + clientHostPort(x)
                + " --tls --to alice@example.test --from bob@example.org"));
        a.address("submission").ifPresent(x -> l.add("summary: submit:       swaks --server " + clientHostPort(x)
                + " --tls --auth --auth-user alice@example.test --from alice@example.test --to bob@example.org"));
        a.address("pop3s").ifPresent(x -> l.add("summary: fetch:        curl -k pop3s://" + clientHostPort(x)
                + "/1 --user alice@example.test"));
        l.add("summary: stop: Ctrl-C, or kill $(cat " + a.pidFile() + ")");
        return l;
    }

    static String configLines(ApplianceConfig c) {
        StringBuilder b = new StringBuilder();
        b.append("  data.dir        ").append(c.dataDir()).append('\n');
        b.append("  spool           ").append(c.store().spoolDir()).append('\n');
        b.append("  index           ").append(c.store().indexDir()).append('\n');
        b.append("  badmail         ").append(c.store().badmailDir()).append('\n');
        b.append("  free-disk reserve ").append(Sizes.format(c.store().freeDiskReserveBytes())).append('\n');
        b.append("  hostname        ").append(c.hostname()).append('\n');
        for (Listener x : List.of(c.smtp(), c.sending().submission(), c.sending().submissions(), c.pop3(), c.pop3s(),
                c.http(), c.admin(), c.autoconfig())) {
            b.append(String.format("  %-15s %s%n", x.name(),
                    x.enabled() ? hostPort(x.address()) + families(x.address()) : "off"));
        }
        b.append("  tls             ").append(c.tls().cert().map(p -> p + " + " + c.tls().key().orElseThrow())
                .orElse("self-signed under " + c.tls().selfSignedDir())).append(", profile ").append(c.tls().profile())
                .append(", reload every ").append(Durations.format(c.tls().reloadInterval())).append('\n');
        b.append("  filter          ").append(filter(c)).append('\n');
        b.append("  log             ").append(c.log().format()).append(' ').append(c.log().level()).append('\n');
        b.append("  shutdown grace  ").append(Durations.format(c.shutdownGrace()));
        return b.toString();
    }

    /** The inbound filter ({@code rspamd URL (...)} or {@code off}) and the DNSBL zones, if any. */
    static String filter(ApplianceConfig c) {
        ApplianceConfig.FilterSettings f = c.filter();
        String rspamd = !f.enabled() ? "off (filter.rspamd-url empty)"
                : "rspamd " + f.rspamdUrl().get() + " (timeout " + Durations.format(f.timeout()) + ", on error "
                        + f.onError().name().toLowerCase(java.util.Locale.ROOT) + ", quarantine "
                        + (f.quarantineScore().isPresent() ? "from score " + f.quarantineScore().getAsDouble() : "off") + ")";
        return rspamd + (c.smtpConfig().dnsbl().enabled() ? "; dnsbl " + String.join(", ", c.smtpConfig().dnsbl().zones()) : "");
    }

    /** What a listener on every address takes: {@code ::} takes both families, {@code 0.0.0.0} only IPv4. */
    static String families(InetSocketAddress a) {
        if (a.getAddress() == null || !a.getAddress().isAnyLocalAddress()) {
            return "";
        }
        return a.getAddress() instanceof Inet6Address ? ", IPv6 and IPv4" : ", IPv4 only";
    }

    /** Where a client on this machine connects: the loopback address for a listener on all addresses. */
    static String clientHostPort(InetSocketAddress a) {
        if (a.getAddress() != null && a.getAddress().isAnyLocalAddress()) {
            return "127.0.0.1:" + a.getPort();
        }
        return hostPort(a);
    }

    static String hostPort(InetSocketAddress a) {
        String h = a.getAddress() == null ? a.getHostString() : text(a.getAddress());
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    /** An address as people write it: IPv6 in RFC 5952's short form ({@code ::}, {@code ::1}). */
    static String text(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int zerosAt = -1;
        int zeros = 1; // a single zero group is not shortened (RFC 5952 §4.2.2)
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > zeros) {
                zerosAt = i;
                zeros = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == zerosAt) {
                s.append("::");
                i += zeros - 1;
            } else {
                if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                    s.append(':');
                }
                s.append(Integer.toHexString(groups[i]));
            }
        }
        return s.toString();
    }
}
