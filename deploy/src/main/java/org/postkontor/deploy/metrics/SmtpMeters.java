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
import org.postkontor.smtp.filter.FilterException;

/**
 * {@link SmtpMetrics} as {@code postkontor_smtp_*} metrics (README.md, Metrics). TLS handshakes are counted
 * once, by the TLS layer ({@code postkontor_tls_handshakes_total{service="smtp"}}), so the two
 * TLS hooks here do nothing. The content filter's and the DNSBL's counters are
 * {@code postkontor_smtp_filter_*} and {@code postkontor_smtp_dnsbl_*}.
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
    private final Map<FilterResult, Counter> filterResults = new EnumMap<>(FilterResult.class);
    private final Map<FilterException.Kind, Counter> filterErrors = new EnumMap<>(FilterException.Kind.class);
    private final Timer filterDuration;
    private final Map<DnsblResult, Counter> dnsbl = new EnumMap<>(DnsblResult.class);

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
        for (FilterResult x : FilterResult.values()) {
            filterResults.put(x, Meters.counter(r, "postkontor.smtp.filter.verdicts",
                    "Messages by what was done after the content filter (rspamd) looked at them", "verdict", x.label()));
        }
        for (FilterException.Kind x : FilterException.Kind.values()) {
            filterErrors.put(x, Meters.counter(r, "postkontor.smtp.filter.errors",
                    "Scans without a verdict (rspamd unreachable, too slow, nonsense answer)", "cause", x.label()));
        }
        filterDuration = Meters.latency(r, "postkontor.smtp.filter.duration", "One scan by the content filter");
        for (DnsblResult x : DnsblResult.values()) {
            dnsbl.put(x, Meters.counter(r, "postkontor.smtp.dnsbl.checks", "DNSBL checks of connecting clients",
                    "result", x.label()));
        }
    }

    @Override
    public void filterResult(FilterResult result) {
        filterResults.get(result).increment();
    }

    @Override
    public void filterError(FilterException.Kind kind) {
        filterErrors.get(kind).increment();
    }

    @Override
    public void filterLatency(Duration took) {
        filterDuration.record(took);
    }

    @Override
    public void dnsblCheck(DnsblResult result) {
        dnsbl.get(result).increment();
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
