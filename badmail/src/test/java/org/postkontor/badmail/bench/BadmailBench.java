package org.postkontor.badmail.bench;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailFilter;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.badmail.SweepResult;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.TempStore;

/**
 * Badmail queue on the real store (H2 + fsynced files in a temp directory): admit throughput
 * (sequential and concurrent), list/show/export latency, and how long a sweep takes to evict by
 * age and by size. Prints numbers; asserts nothing.
 *
 * <p>Arguments: {@code [items=2000] [size=8192] [threads=8]}.
 */
public final class BadmailBench {

    private BadmailBench() {}

    public static void main(String[] args) throws Exception {
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        byte[] message = new byte[size];
        Arrays.fill(message, (byte) 'x');
        byte[] head = "From: a@remote.test\r\nSubject: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, message, 0, head.length);
        System.out.printf(Locale.ROOT, "badmail bench: %d items of %d bytes, %d threads, %s%n", items, size, threads,
                Runtime.version());

        try (TempStore temp = TempStore.create(Clock.systemUTC(), StoreMetrics.NOOP)) {
            BadmailQueue q = BadmailQueue.over(temp.store(), BadmailConfig.DEFAULTS, Clock.systemUTC(),
                    BadmailMetrics.NOOP);

            int raw = Math.min(200, items / 4);
            long t0 = System.nanoTime();
            List<String> rawIds = new ArrayList<>();
            for (int i = 0; i < raw; i++) {
                rawIds.add(temp.store().badmail().put(envelope(Instant.now()), reason(),
                        new ByteArrayInputStream(message)).id());
            }
            report("BadmailStore.put alone, 1 thread (baseline)", raw, System.nanoTime() - t0);
            for (String id : rawIds) {
                temp.store().badmail().remove(id);
            }

            t0 = System.nanoTime();
            for (int i = 0; i < items / 2; i++) {
                q.admit(envelope(Instant.now().minus(Duration.ofDays(60))), reason(), new ByteArrayInputStream(message));
            }
            report("admit, 1 thread (old items)", items / 2, System.nanoTime() - t0);

            ExecutorService pool = Executors.newFixedThreadPool(threads);
            t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            int per = (items - items / 2) / threads;
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < per; i++) {
                        q.admit(envelope(Instant.now()), reason(), new ByteArrayInputStream(message));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            report("admit, " + threads + " threads (new items)", per * threads, System.nanoTime() - t0);
            pool.shutdown();

            int rounds = 200;
            t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                q.list(BadmailFilter.ALL, (i * 50) % Math.max(1, items - 50), 50);
            }
            report("list page of 50", rounds, System.nanoTime() - t0);

            List<BadmailItem> page = q.list(BadmailFilter.ALL, 0, 100).items();
            t0 = System.nanoTime();
            for (BadmailItem item : page) {
                q.show(item.id());
            }
            report("show", page.size(), System.nanoTime() - t0);
            t0 = System.nanoTime();
            for (BadmailItem item : page) {
                q.export(item.id(), OutputStream.nullOutputStream());
            }
            report("export", page.size(), System.nanoTime() - t0);
            t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                q.status();
            }
            report("status (gauges)", rounds, System.nanoTime() - t0);

            t0 = System.nanoTime();
            SweepResult byAge = q.sweep();
            report("sweep evicting by age (" + byAge.evictedByAge() + " items)", byAge.evictedByAge(),
                    System.nanoTime() - t0);

            long half = q.status().octets() / 2;
            BadmailQueue capped = BadmailQueue.over(temp.store(),
                    BadmailConfig.DEFAULTS.withMaxTotalBytes(Math.max(BadmailConfig.MIN_TOTAL_BYTES, half)),
                    Clock.systemUTC(), BadmailMetrics.NOOP);
            t0 = System.nanoTime();
            SweepResult bySize = capped.sweep();
            report("sweep evicting by size (" + bySize.evictedBySize() + " items)", bySize.evictedBySize(),
                    System.nanoTime() - t0);

            t0 = System.nanoTime();
            SweepResult nothing = q.sweep();
            report("sweep with nothing to evict", 1, System.nanoTime() - t0);
            if (nothing.evicted() != 0) {
                System.out.println("unexpected evictions: " + nothing);
            }

            int left = (int) q.status().items();
            t0 = System.nanoTime();
            int purged = q.purge(BadmailFilter.ALL);
            report("purge (" + purged + " of " + left + " items)", purged, System.nanoTime() - t0);
        }
    }

    private static BadmailEnvelope envelope(Instant received) {
        return new BadmailEnvelope("sender@remote.test", List.of("nobody@example.test"), "192.0.2.7", "mx.remote.test",
                received);
    }

    private static BadmailReason reason() {
        return new BadmailReason("unknown_user", 550, "5.1.1", "no such user", Instant.now());
    }

    private static void report(String what, int n, long nanos) {
        double ms = nanos / 1e6;
        System.out.printf(Locale.ROOT, "%-45s %7d ops %10.1f ms %10.2f ms/op %10.1f ops/s%n", what, n, ms,
                n == 0 ? 0 : ms / n, n == 0 ? 0 : n / (ms / 1000));
    }
}
