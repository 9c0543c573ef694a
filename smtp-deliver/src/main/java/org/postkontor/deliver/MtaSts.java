package org.postkontor.deliver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MTA-STS (RFC 8461): a domain that publishes {@code _mta-sts.<domain>} TXT {@code v=STSv1; id=...}
 * serves its policy at {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}; in {@code enforce}
 * mode, mail goes only to MX hosts the policy names, over TLS with a certificate that chains to a
 * trusted root and names the host. Policies are cached for their {@code max_age} and refetched
 * when the TXT record's id changes; a cached policy stays in force when a refetch fails (§5). The
 * fetch is HTTPS (Apache HttpClient) through our own DNS, no redirects, at most 64 KiB (§3.3).
 * Thread-safe.
 */
final class MtaSts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("postkontor.delivery");
    static final int MAX_POLICY = 64 * 1024;
    static final Duration MAX_AGE_CAP = Duration.ofDays(365);

    enum Mode { ENFORCE, TESTING, NONE }

    record Policy(String id, Mode mode, List<String> mx, Instant expires) {
        /** Does the policy name this MX host ({@code mx:} patterns, a wildcard as the left-most label)? */
        boolean allows(String host) {
            return mx.stream().anyMatch(p -> matches(p, host));
        }
    }

    private final Dns dns;
    private final Clock clock;
    private final CloseableHttpClient http;
    private final Map<String, Policy> cache = new ConcurrentHashMap<>();

    MtaSts(Dns dns, X509TrustManager trust, Duration timeout, Clock clock) {
        this.dns = dns;
        this.clock = clock;
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no TLS", e);
        }
        DnsResolver resolver = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                if (dns.addresses(host) instanceof Dns.Answer.Found<InetAddress> f) {
                    return f.values().toArray(new InetAddress[0]);
                }
                throw new UnknownHostException(host);
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        Timeout t = Timeout.of(timeout);
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(resolver)
                        .setTlsSocketStrategy(new DefaultClientTlsStrategy(ctx))
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(t).setSocketTimeout(t)
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(t).build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .setUserAgent("Postkontor MTA-STS")
                .build();
    }

    /** The domain's policy in force now, or empty when it has none (or none could be had). */
    Optional<Policy> policy(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Policy cached = cache.get(d);
        Instant now = clock.instant();
        Optional<String> id = recordId(d);
        if (cached != null && cached.expires().isAfter(now) && (id.isEmpty() || id.get().equals(cached.id()))) {
            return Optional.of(cached);
        }
        if (id.isEmpty()) {
            if (cached != null) {
                cache.remove(d);
            }
            return Optional.empty();
        }
        Optional<Policy> fetched = fetch(d, id.get(), now);
        if (fetched.isPresent()) {
            cache.put(d, fetched.get());
            return fetched;
        }
        return cached != null && cached.expires().isAfter(now) ? Optional.of(cached) : Optional.empty();
    }

    private Optional<String> recordId(String domain) {
        if (!(dns.txt("_mta-sts." + domain) instanceof Dns.Answer.Found<String> f)) {
            return Optional.empty();
        }
        List<String> sts = f.values().stream().filter(v -> v.startsWith("v=STSv1")).toList();
        if (sts.size() != 1) {
            return Optional.empty(); // RFC 8461 §3.1: none, or more than one, is no policy
        }
        for (String field : sts.get(0).split(";")) {
            String[] kv = field.strip().split("=", 2);
            if (kv.length == 2 && kv[0].equals("id") && kv[1].matches("[A-Za-z0-9]{1,32}")) {
                return Optional.of(kv[1]);
            }
        }
        return Optional.empty();
    }

    private Optional<Policy> fetch(String domain, String id, Instant now) {
        String url = "https://mta-sts." + domain + "/.well-known/mta-sts.txt";
        try {
            String body = http.execute(new HttpGet(url), response -> {
                if (response.getCode() != 200 || response.getEntity() == null) {
                    throw new IOException("HTTP " + response.getCode());
                }
                try (InputStream in = response.getEntity().getContent()) {
                    byte[] b = in.readNBytes(MAX_POLICY + 1);
                    if (b.length > MAX_POLICY) {
                        throw new IOException("policy over " + MAX_POLICY + " octets");
                    }
                    return new String(b, StandardCharsets.UTF_8);
                }
            });
            Optional<Policy> p = parse(body, id, now);
            if (p.isEmpty()) {
                log.warn("event=mta_sts_invalid domain={}", domain);
            }
            return p;
        } catch (IOException e) {
            log.warn("event=mta_sts_fetch_failed domain={} error=\"{}\"", domain, e.getMessage());
            return Optional.empty();
        }
    }

    /** Parses a policy file (RFC 8461 §3.2); empty if it is not a valid one. */
    static Optional<Policy> parse(String body, String id, Instant now) {
        Mode mode = null;
        List<String> mx = new ArrayList<>();
        long maxAge = -1;
        boolean version = false;
        for (String line : body.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String k = line.substring(0, colon).strip();
            String v = line.substring(colon + 1).strip();
            switch (k) {
                case "version" -> version = v.equals("STSv1");
                case "mode" -> mode = switch (v) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> null;
                };
                case "mx" -> mx.add(v.toLowerCase(Locale.ROOT));
                case "max_age" -> {
                    try {
                        maxAge = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        maxAge = -1;
                    }
                }
                default -> { }
            }
        }
        if (!version || mode == null || maxAge < 0 || (mode != Mode.NONE && mx.isEmpty())) {
            return Optional.empty();
        }
        Duration age = Duration.ofSeconds(Math.min(maxAge, MAX_AGE_CAP.toSeconds()));
        return Optional.of(new Policy(id, mode, List.copyOf(mx), now.plus(age)));
    }

    /** {@code mx.example.com} or {@code *.example.com} (exactly one left-most label) against a host. */
    static boolean matches(String pattern, String host) {
        String h = host.toLowerCase(Locale.ROOT);
        h = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (pattern.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot + 1).equals(pattern.substring(2));
        }
        return pattern.equals(h);
    }

    @Override
    public void close() {
        try {
            http.close();
        } catch (IOException e) {
            // nothing held that outlives it
        }
    }
}
