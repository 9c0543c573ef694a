package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.postkontor.badmail.BadmailMetrics;

/**
 * {@link BadmailMetrics} as {@code postkontor_badmail_*} counters (README.md, Metrics); the gauges are in
 * {@link ApplianceGauges}. Arrivals are labelled by why the mail is bad ({@code reason} = kind);
 * every removal from the queue counts in {@code evictions_total{reason}} by why it left
 * ({@code age}, {@code size_cap}, {@code deleted}, {@code redelivered}).
 */
public final class BadmailMeters implements BadmailMetrics {

    static final Set<String> KINDS = Set.of("unknown_user", "dangling_alias", "mailbox_full", "mailbox_disabled",
            "store_permanent", "loop", "spam", "other");
    static final Set<String> REMOVALS = Set.of("age", "size_cap", "deleted", "redelivered");

    private final Map<String, Counter> arrivals = new HashMap<>();
    private final Map<String, Counter> evictions = new HashMap<>();
    private final Counter arrivedBytes;
    private final Counter evictedBytes;
    private final Counter redelivered;
    private final Counter redeliveryFailed;

    public BadmailMeters(MeterRegistry r) {
        for (String k : KINDS) {
            arrivals.put(k, Meters.counter(r, "postkontor.badmail.arrivals", "Items admitted, by why", "reason", k));
        }
        for (String x : REMOVALS) {
            evictions.put(x, Meters.counter(r, "postkontor.badmail.evictions", "Items removed, by why", "reason", x));
        }
        arrivedBytes = Meters.counter(r, "postkontor.badmail.arrived.bytes", "Bytes admitted");
        evictedBytes = Meters.counter(r, "postkontor.badmail.evicted.bytes", "Bytes evicted by retention (age, size cap)");
        redelivered = Meters.counter(r, "postkontor.badmail.redeliveries", "Redelivery attempts", "result", "delivered");
        redeliveryFailed = Meters.counter(r, "postkontor.badmail.redeliveries", "Redelivery attempts", "result", "failed");
    }

    @Override
    public void arrived(String kind, long octets) {
        arrivals.get(KINDS.contains(kind) ? kind : "other").increment();
        arrivedBytes.increment(octets);
    }

    @Override
    public void evicted(String kind, EvictionCause cause, long octets) {
        Counter c = evictions.get(cause.label());
        if (c != null) {
            c.increment();
        }
        evictedBytes.increment(octets);
    }

    @Override
    public void redelivered(String kind) {
        evictions.get("redelivered").increment();
        redelivered.increment();
    }

    @Override
    public void redeliveryFailed(String kind) {
        redeliveryFailed.increment();
    }

    @Override
    public void deleted(String kind) {
        evictions.get("deleted").increment();
    }
}
