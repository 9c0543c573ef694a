package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.postkontor.badmail.BadmailStatus;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreStats;

/**
 * Gauges read at scrape time: store totals, badmail totals, free disk per volume, readiness and
 * build info. Totals come from the index at most once per 5 s (see {@link Cached}); disk figures
 * straight from the file system. A source that fails reads NaN.
 */
public final class ApplianceGauges {

    private ApplianceGauges() {}

    /** Disk gauges, {@code postkontor_up}, {@code postkontor_build_info}. Needs no store. */
    public static void register(MeterRegistry r, StoreConfig store, BooleanSupplier ready, String version) {
        disk(r, "spool", store.spoolDir());
        disk(r, "index", store.indexDir());
        disk(r, "badmail", store.badmailDir());
        Gauge.builder("postkontor.disk.reserve.bytes", store, s -> s.freeDiskReserveBytes())
                .strongReference(true).description("Configured free-disk reserve").register(r);
        Gauge.builder("postkontor.up", ready, b -> b.getAsBoolean() ? 1 : 0)
                .strongReference(true).description("1 while the appliance is ready").register(r);
        Gauge.builder("postkontor.build.info", () -> 1).tag("version", version)
                .strongReference(true).description("The running version").register(r);
    }

    /** {@code postkontor_store_*} gauges over the index's totals. */
    public static void registerStore(MeterRegistry r, Cached.Source<StoreStats> stats, BooleanSupplier open, Clock clock) {
        registerStore(r, stats, open, clock, Duration.ofSeconds(5));
    }

    /**
     * @param refresh how long one reading of the stats serves: on a shared database every node
     *                counts the whole store's rows, so a minute there, not seconds
     */
    public static void registerStore(MeterRegistry r, Cached.Source<StoreStats> stats, BooleanSupplier open, Clock clock,
                                     Duration refresh) {
        Cached<StoreStats> cached = new Cached<>(stats, clock, refresh);
        gauge(r, "postkontor.store.messages", "Stored message bodies", cached, StoreStats::messages);
        gauge(r, "postkontor.store.entries", "Maildrop entries", cached, StoreStats::entries);
        gauge(r, "postkontor.store.bytes", "Bytes of stored message bodies", cached, StoreStats::octets);
        gauge(r, "postkontor.store.index.bytes", "Size of the index files", cached, StoreStats::indexSizeBytes);
        Gauge.builder("postkontor.store.up", open, b -> b.getAsBoolean() ? 1 : 0)
                .strongReference(true).description("1 while the store is open").register(r);
    }

    /** {@code postkontor_badmail_*} gauges over the queue's status. */
    public static void registerBadmail(MeterRegistry r, Cached.Source<BadmailStatus> status, long capacityBytes,
                                       Clock clock) {
        Cached<BadmailStatus> cached = new Cached<>(status, clock, Duration.ofSeconds(5));
        gauge(r, "postkontor.badmail.items", "Items in the badmail queue", cached, BadmailStatus::items);
        gauge(r, "postkontor.badmail.bytes", "Bytes in the badmail queue", cached, BadmailStatus::octets);
        gauge(r, "postkontor.badmail.oldest.age.seconds", "Age of the oldest badmail item", cached,
                t -> t.oldestAge().map(Duration::toSeconds).orElse(0L));
        Gauge.builder("postkontor.badmail.capacity.bytes", () -> capacityBytes)
                .strongReference(true).description("Size cap of the badmail queue (badmail.max-total-bytes)").register(r);
    }

    private static <T> void gauge(MeterRegistry r, String name, String description, Supplier<Optional<T>> source,
                                  Function<T, Number> f) {
        Gauge.builder(name, source, s -> s.get().map(v -> f.apply(v).doubleValue()).orElse(Double.NaN))
                .strongReference(true).description(description).register(r);
    }

    private static void disk(MeterRegistry r, String volume, Path dir) {
        Gauge.builder("postkontor.disk.free.bytes", dir, d -> usable(d, true)).tag("volume", volume)
                .strongReference(true).description("Usable bytes on the volume").register(r);
        Gauge.builder("postkontor.disk.total.bytes", dir, d -> usable(d, false)).tag("volume", volume)
                .strongReference(true).description("Size of the volume").register(r);
    }

    /** Usable (or total) bytes of the volume holding {@code dir} or its nearest existing parent; NaN if none. */
    public static double usable(Path dir, boolean free) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return Double.NaN;
        }
        try {
            var fs = Files.getFileStore(p);
            return free ? fs.getUsableSpace() : fs.getTotalSpace();
        } catch (IOException e) {
            return Double.NaN;
        }
    }
}
