package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import org.postkontor.badmail.BadmailMetrics;

/** {@link BadmailMetrics} as {@code postkontor_badmail_*} counters (METRICS.md); the gauges are in {@link ApplianceGauges}. */
public final class BadmailMeters implements BadmailMetrics {

    static final Set<String> KINDS = Set.of("unknown_user", "dangling_alias", "mailbox_full", "mailbox_disabled",
            "store_permanent", "loop", "other");

    private final MeterRegistry r;

    public BadmailMeters(MeterRegistry r) {
        this.r = r;
        for (String k : KINDS) {
            arrivals(k);
            for (EvictionCause c : EvictionCause.values()) {
                evictions(k, c.label());
            }
            Meters.counter(r, "postkontor.badmail.redeliveries", "Items redelivered into mailboxes", "reason", k);
            Meters.counter(r, "postkontor.badmail.deletions", "Items deleted by the admin", "reason", k);
        }
        for (EvictionCause c : EvictionCause.values()) {
            evictedBytes(c.label());
        }
        Meters.counter(r, "postkontor.badmail.arrived.bytes", "Bytes admitted");
    }

    private static String kind(String k) {
        return KINDS.contains(k) ? k : "other";
    }

    private io.micrometer.core.instrument.Counter arrivals(String k) {
        return Meters.counter(r, "postkontor.badmail.arrivals", "Items admitted", "reason", k);
    }

    private io.micrometer.core.instrument.Counter evictions(String k, String cause) {
        return Meters.counter(r, "postkontor.badmail.evictions", "Items evicted by retention", "reason", k, "cause", cause);
    }

    private io.micrometer.core.instrument.Counter evictedBytes(String cause) {
        return Meters.counter(r, "postkontor.badmail.evicted.bytes", "Bytes evicted by retention", "cause", cause);
    }

    @Override
    public void arrived(String kind, long octets) {
        arrivals(kind(kind)).increment();
        Meters.counter(r, "postkontor.badmail.arrived.bytes", "Bytes admitted").increment(octets);
    }

    @Override
    public void evicted(String kind, EvictionCause cause, long octets) {
        evictions(kind(kind), cause.label()).increment();
        evictedBytes(cause.label()).increment(octets);
    }

    @Override
    public void redelivered(String kind) {
        Meters.counter(r, "postkontor.badmail.redeliveries", "Items redelivered into mailboxes", "reason", kind(kind))
                .increment();
    }

    @Override
    public void deleted(String kind) {
        Meters.counter(r, "postkontor.badmail.deletions", "Items deleted by the admin", "reason", kind(kind)).increment();
    }
}
