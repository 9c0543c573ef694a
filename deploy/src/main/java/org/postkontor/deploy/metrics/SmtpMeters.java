package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.smtp.SmtpMetrics;

/**
 * {@link SmtpMetrics} as {@code postkontor_smtp_*} metrics (README.md, Metrics). TLS handshakes are counted
 * once, by the TLS layer ({@code postkontor_tls_handshakes_total{service="smtp"}}), so the two
 * TLS hooks here do nothing.
 */
public final class SmtpMeters implements SmtpMetrics {

    private final Counter connections;
    private final AtomicLong active = new AtomicLong();
    private final Map<Result, Counter> transactions = new EnumMap<>(Result.class);
    private final Map<Reason, Counter> rejections = new EnumMap<>(Reason.class);
    private final Counter bytes;
    private final Counter recipients;
    private final Timer accept;
    private final Counter badmail;

    public SmtpMeters(MeterRegistry r) {
        connections = Meters.counter(r, "postkontor.smtp.connections", "SMTP sessions opened");
        Gauge.builder("postkontor.smtp.connections.active", active, AtomicLong::doubleValue)
                .strongReference(true).description("SMTP sessions open now").register(r);
        for (Result x : Result.values()) {
            transactions.put(x, Meters.counter(r, "postkontor.smtp.transactions", "Mail transactions by outcome",
                    "result", x.label()));
        }
        for (Reason x : Reason.values()) {
            rejections.put(x, Meters.counter(r, "postkontor.smtp.rejections", "Refusals by reason", "reason", x.label()));
        }
        bytes = Meters.counter(r, "postkontor.smtp.received.bytes", "Message bytes in accepted transactions");
        recipients = Meters.counter(r, "postkontor.smtp.recipients", "Recipients accepted");
        accept = Meters.latency(r, "postkontor.smtp.accept.duration", "End of data to 250 (durable accept)");
        badmail = Meters.counter(r, "postkontor.smtp.badmail.handovers", "Accepted messages handed to badmail");
    }

    @Override
    public void connectionOpened() {
        connections.increment();
        active.incrementAndGet();
    }

    @Override
    public void connectionClosed() {
        active.updateAndGet(v -> Math.max(0, v - 1));
    }

    @Override
    public void transaction(Result result) {
        transactions.get(result).increment();
    }

    @Override
    public void rejection(Reason reason) {
        rejections.get(reason).increment();
    }

    @Override
    public void bytesReceived(long octets) {
        bytes.increment(octets);
    }

    @Override
    public void recipientAccepted() {
        recipients.increment();
    }

    @Override
    public void acceptLatency(Duration took) {
        accept.record(took);
    }

    @Override
    public void badmailHandover() {
        badmail.increment();
    }
}
