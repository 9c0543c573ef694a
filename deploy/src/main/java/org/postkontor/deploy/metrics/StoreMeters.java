package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import org.postkontor.store.StoreMetrics;

/** {@link StoreMetrics} as Prometheus metrics ({@code postkontor_store_*}, see README.md, Metrics). */
public final class StoreMeters implements StoreMetrics {

    private static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    private final MeterRegistry registry;
    private final Timer fsync;
    private final DistributionSummary groupCommit;
    private final Counter deliveredMessages;
    private final Counter deliveredEntries;
    private final Counter deliveredBytes;
    private final Counter expunged;
    private final Counter authCacheHits;
    private final Counter authCacheMisses;

    public StoreMeters(MeterRegistry registry) {
        this.registry = registry;
        fsync = Meters.latency(registry, "postkontor.store.fsync.duration", "One fsync of a file or directory");
        groupCommit = DistributionSummary.builder("postkontor.store.group.commit.deliveries")
                .description("Deliveries covered by one group commit").register(registry);
        deliveredMessages = Meters.counter(registry, "postkontor.store.delivered.messages", "Messages made durable");
        deliveredEntries = Meters.counter(registry, "postkontor.store.delivered.entries", "Maildrop entries created");
        deliveredBytes = Meters.counter(registry, "postkontor.store.delivered.bytes", "Bytes of delivered messages");
        expunged = Meters.counter(registry, "postkontor.store.expunged.entries", "Entries removed by POP3 QUIT");
        String lookups = "postkontor.store.auth.cache.lookups";
        String what = "Password logins checked against the auth cache";
        authCacheHits = Meters.counter(registry, lookups, what, "result", "hit");
        authCacheMisses = Meters.counter(registry, lookups, what, "result", "miss");
    }

    @Override
    public void fsync(Duration took) {
        fsync.record(took);
    }

    @Override
    public void groupCommit(int deliveries) {
        groupCommit.record(deliveries);
    }

    @Override
    public void delivered(int entries, long octets) {
        deliveredMessages.increment();
        deliveredEntries.increment(entries);
        deliveredBytes.increment(octets);
    }

    @Override
    public void expunged(int entries) {
        expunged.increment(entries);
    }

    @Override
    public void authCache(boolean hit) {
        (hit ? authCacheHits : authCacheMisses).increment();
    }

    @Override
    public void reconciled(String kind, int count) {
        Meters.counter(registry, "postkontor.store.reconciled", "Start-up reconciliation findings", "kind", label(kind))
                .increment(count);
    }

    /** A fixed-vocabulary label value; anything else becomes {@code other}. */
    static String label(String s) {
        if (s == null) {
            return "other";
        }
        String l = s.toLowerCase(Locale.ROOT).replace('-', '_');
        return LABEL.matcher(l).matches() ? l : "other";
    }
}
