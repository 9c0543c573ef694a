package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.postkontor.deliver.DeliveryMetrics;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.store.OutboundQueue;
import org.postkontor.submit.SubmissionMetrics;

/**
 * The sending half as {@code postkontor_submission_*}, {@code postkontor_delivery_*} and
 * {@code postkontor_queue_*} metrics (README.md, Metrics). Labels are fixed sets, never a user,
 * an address or a domain.
 */
public final class SendingMeters implements SubmissionMetrics, DeliveryMetrics {

    private final Map<LoginResult, Counter> logins = new EnumMap<>(LoginResult.class);
    private final Map<Limit, Counter> limited = new EnumMap<>(Limit.class);
    private final Map<SmtpMetrics.Result, Counter> transactions = new EnumMap<>(SmtpMetrics.Result.class);
    private final Counter senderRefused;
    private final Counter localRecipients;
    private final Counter remoteRecipients;
    private final Map<String, Counter> signed = new java.util.HashMap<>();
    private final Map<Result, Counter> recipients = new EnumMap<>(Result.class);
    private final Counter bounces;
    private final Counter delayWarnings;
    private final Map<String, Counter> connections = new java.util.HashMap<>();
    private final Timer attempt;

    public SendingMeters(MeterRegistry r) {
        for (LoginResult x : LoginResult.values()) {
            logins.put(x, Meters.counter(r, "postkontor.submission.logins", "Submission AUTH attempts by result",
                    "result", x.label()));
        }
        for (Limit x : Limit.values()) {
            limited.put(x, Meters.counter(r, "postkontor.submission.rate.limited",
                    "Messages or recipients refused by a user's hourly limit", "limit", x.label()));
        }
        for (SmtpMetrics.Result x : SmtpMetrics.Result.values()) {
            transactions.put(x, Meters.counter(r, "postkontor.submission.transactions",
                    "Submission transactions by outcome", "result", x.label()));
        }
        senderRefused = Meters.counter(r, "postkontor.submission.sender.refused",
                "Envelope senders or From headers refused as not the user's (553 5.7.1)");
        localRecipients = Meters.counter(r, "postkontor.submission.recipients",
                "Recipients of submitted messages", "destination", "local");
        remoteRecipients = Meters.counter(r, "postkontor.submission.recipients",
                "Recipients of submitted messages", "destination", "remote");
        for (String a : java.util.List.of("rsa-sha256", "ed25519-sha256")) {
            signed.put(a, Meters.counter(r, "postkontor.submission.dkim.signatures", "DKIM signatures made",
                    "algorithm", a));
        }
        for (Result x : Result.values()) {
            recipients.put(x, Meters.counter(r, "postkontor.delivery.recipients",
                    "Outbound delivery attempts per recipient by result", "result", x.label()));
        }
        bounces = Meters.counter(r, "postkontor.delivery.bounces", "Bounces (DSN) put into local senders' mailboxes",
                "kind", "failed");
        delayWarnings = Meters.counter(r, "postkontor.delivery.bounces",
                "Bounces (DSN) put into local senders' mailboxes", "kind", "delayed");
        for (String t : java.util.List.of("tls", "none")) {
            connections.put(t, Meters.counter(r, "postkontor.delivery.connections",
                    "Connections made to remote servers, with TLS or not", "tls", t));
        }
        attempt = Meters.latency(r, "postkontor.delivery.attempt.duration",
                "One message sent to one destination (connecting included)");
    }

    /** Queue size, bytes and the oldest message's age, read from the queue at most every 5 s. */
    public static void registerQueue(MeterRegistry r, Cached.Source<OutboundQueue.Totals> totals, Clock clock) {
        Cached<OutboundQueue.Totals> t = new Cached<>(totals, clock, Duration.ofSeconds(5));
        gauge(r, "postkontor.queue.messages", "Messages in the outbound queue", t, x -> x.messages());
        gauge(r, "postkontor.queue.bytes", "Bytes of the messages in the outbound queue", t, x -> x.octets());
        gauge(r, "postkontor.queue.oldest.age.seconds", "Age of the oldest message in the outbound queue (0 when"
                + " empty)", t, x -> x.oldest().map(o -> Duration.between(o, clock.instant()).toSeconds()).orElse(0L));
    }

    private static void gauge(MeterRegistry r, String name, String description,
                              java.util.function.Supplier<Optional<OutboundQueue.Totals>> source,
                              java.util.function.Function<OutboundQueue.Totals, Number> f) {
        Gauge.builder(name, source, s -> s.get().map(v -> f.apply(v).doubleValue()).orElse(Double.NaN))
                .strongReference(true).description(description).register(r);
    }

    /** The listener-level hooks of the submission listeners: their transactions by outcome. */
    public SmtpMetrics listener() {
        return new SmtpMetrics() {
            @Override
            public void transaction(Result result) {
                transactions.get(result).increment();
            }
        };
    }

    @Override
    public void login(LoginResult result) {
        logins.get(result).increment();
    }

    @Override
    public void submitted(int localCount, int remoteCount) {
        localRecipients.increment(localCount);
        remoteRecipients.increment(remoteCount);
    }

    @Override
    public void senderRefused() {
        senderRefused.increment();
    }

    @Override
    public void rateLimited(Limit limit) {
        limited.get(limit).increment();
    }

    @Override
    public void dkimSigned(String algorithm) {
        Counter c = signed.get(algorithm);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void recipient(Result result) {
        recipients.get(result).increment();
    }

    @Override
    public void bounce(boolean delayWarning) {
        (delayWarning ? delayWarnings : bounces).increment();
    }

    @Override
    public void connection(String tls) {
        connections.get(tls.equals("tls") ? "tls" : "none").increment();
    }

    @Override
    public void attempt(Duration took) {
        attempt.record(took);
    }
}
