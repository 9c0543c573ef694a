package org.postkontor.store.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.TempStore;

/**
 * Durable deliveries per second at 1, 8 and 32 concurrent writers for 4 KB and 64 KB bodies,
 * next to this machine's raw rate of writing and fsyncing one 4 KB file (the same way the spool
 * writes a body: create, write, {@code FileChannel.force(true)}), measured once on 1 and 32
 * threads and again on 1 thread right before each store run (the machine may be shared, so each
 * ratio compares numbers taken under the same load). Not a test: run it by hand
 * (command in BENCHMARKS.md). Arguments: {@code [seconds per run, default 5] [directory, default
 * the system temp directory]}.
 */
public final class StoreBenchmark {

    private StoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path base = args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir"));
        System.out.printf("store benchmark: %d s per run, files under %s, %d CPUs%n", seconds, base,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-34s %10s %10s %14s %8s%n", "run", "per second", "per commit", "raw 1 thread*", "ratio");
        for (int threads : new int[] {1, 32}) {
            double raw = raw(base, 4096, threads, seconds);
            System.out.printf("%-34s %10.0f %10s %14s %8s%n",
                    "raw write+fsync 4 KB, " + threads + " thread" + (threads > 1 ? "s" : ""), raw, "-", "-", "-");
        }
        for (int size : new int[] {4096, 65536}) {
            for (int writers : new int[] {1, 8, 32}) {
                // the machine is shared: measure the raw rate right next to each run, and compare to that
                double raw = raw(base, 4096, 1, Math.max(2, seconds / 2));
                Result r = store(base, size, writers, seconds);
                System.out.printf("%-34s %10.0f %10.1f %14.0f %7.1fx%n",
                        "store deliver " + size / 1024 + " KB, " + writers + " writer" + (writers > 1 ? "s" : ""),
                        r.perSecond, r.perCommit, raw, r.perSecond / raw);
            }
        }
        System.out.println("* raw write+fsync of a 4 KB file on 1 thread, measured just before that run");
    }

    private static byte[] body(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + r.nextInt(26));
        }
        for (int i = 76; i < size; i += 78) {
            b[i - 1] = '\r';
            b[i] = '\n';
        }
        b[size - 2] = '\r';
        b[size - 1] = '\n';
        return b;
    }

    /** Files written and fsynced per second by {@code threads} threads, each file new. */
    public static double raw(Path base, int size, int threads, int seconds) throws Exception {
        Path dir = Files.createTempDirectory(base, "raw-fsync-");
        byte[] data = body(size, 1);
        AtomicLong done = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (long n = 0; !stop.get(); n++) {
                        Path f = dir.resolve(id + "-" + n);
                        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                            ByteBuffer b = ByteBuffer.wrap(data);
                            while (b.hasRemaining()) {
                                ch.write(b);
                            }
                            ch.force(true);
                        }
                        done.incrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        long t0 = System.nanoTime();
        start.countDown();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        long n = done.get();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        for (Thread t : ts) {
            t.join();
        }
        deleteTree(dir);
        return n / elapsed;
    }

    public record Result(double perSecond, double perCommit) {}

    static final class Counting implements StoreMetrics {
        final AtomicLong commits = new AtomicLong();
        final AtomicLong deliveries = new AtomicLong();

        @Override
        public void groupCommit(int n) {
            commits.incrementAndGet();
            deliveries.addAndGet(n);
        }
    }

    public static Result store(Path base, int size, int writers, int seconds) throws Exception {
        Path dir = Files.createTempDirectory(base, "store-bench-");
        Counting metrics = new Counting();
        try (TempStore t = TempStore.open(dir, Clock.systemUTC(), metrics)) {
            MailAddress to = t.addUser("bench@example.test", "bench");
            byte[] data = body(size, 2);
            AtomicLong done = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        while (!stop.get()) {
                            t.store().spool().deliver(List.of(to), new ByteArrayInputStream(data));
                            done.incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            // one second of warm-up, then measure
            start.countDown();
            Thread.sleep(1000);
            long n0 = done.get();
            long c0 = metrics.commits.get();
            long d0 = metrics.deliveries.get();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long n = done.get() - n0;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long commits = metrics.commits.get() - c0;
            long grouped = metrics.deliveries.get() - d0;
            stop.set(true);
            for (Thread th : ts) {
                th.join();
            }
            return new Result(n / elapsed, commits == 0 ? 0 : (double) grouped / commits);
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
