package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.deploy.tls.TlsEvents;

/** {@link TlsEvents} as {@code postkontor_tls_*} metrics. */
public final class TlsMeters implements TlsEvents {

    private static final Set<String> SERVICES = Set.of("smtp", "submission", "pop3", "https");
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    private final MeterRegistry registry;
    private final AtomicLong notAfter = new AtomicLong();

    public TlsMeters(MeterRegistry registry) {
        this.registry = registry;
        for (String s : SERVICES) {
            for (String p : PROTOCOLS) {
                Meters.counter(registry, "postkontor.tls.handshakes", "Completed server TLS handshakes", "service", s,
                        "protocol", p);
            }
            Meters.counter(registry, "postkontor.tls.handshake.failures", "Failed server TLS handshakes", "service", s);
        }
        Meters.counter(registry, "postkontor.tls.certificate.reloads", "Certificate reloads", "result", "success");
        Meters.counter(registry, "postkontor.tls.certificate.reloads", "Certificate reloads", "result", "failure");
        Gauge.builder("postkontor.tls.certificate.expiry.timestamp.seconds", notAfter, AtomicLong::doubleValue)
                .strongReference(true).description("notAfter of the certificate presented now, Unix seconds").register(registry);
    }

    @Override
    public void handshake(String service, String protocol) {
        Meters.counter(registry, "postkontor.tls.handshakes", "Completed server TLS handshakes", "service",
                SERVICES.contains(service) ? service : "other", "protocol", PROTOCOLS.contains(protocol) ? protocol : "other")
                .increment();
    }

    @Override
    public void handshakeFailed(String service) {
        Meters.counter(registry, "postkontor.tls.handshake.failures", "Failed server TLS handshakes", "service",
                SERVICES.contains(service) ? service : "other").increment();
    }

    @Override
    public void certificate(X509Certificate leaf) {
        notAfter.set(leaf.getNotAfter().toInstant().getEpochSecond());
    }

    @Override
    public void reloaded(boolean success) {
        Meters.counter(registry, "postkontor.tls.certificate.reloads", "Certificate reloads", "result",
                success ? "success" : "failure").increment();
    }
}
