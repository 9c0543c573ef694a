package org.postkontor.smtp.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.Store;
import org.postkontor.store.testing.TempStore;

/**
 * Benchmark (not a test): messages/s and end-of-data → 250 latency (p50, p99, as the client sees
 * it: from writing the final {@code CRLF . CRLF} to reading the 250) at 1, 8 and 32 concurrent
 * clients, for 4 KB and 64 KB messages, against the real store in a temp directory. Each client
 * keeps one connection and sends MAIL/RCPT/DATA in a loop for the measuring window. At the end of
 * every cell the number of messages the store holds must equal the number of 250s.
 *
 * <p>Arguments: {@code [seconds per cell, default 8] [warm-up seconds, default 2]}. Prints a
 * Markdown table.
 */
public final class SmtpBenchmark {

    private SmtpBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int[] clientCounts = {1, 8, 32};
        int[] sizes = {4 * 1024, 64 * 1024};
        ServerLatency serverLatency = new ServerLatency();
        try (TempStore temp = TempStore.create()) {
            temp.addUser("bench@example.test", "pw");
            Store store = temp.store();
            BadmailQueue badmail = BadmailQueue.over(store, BadmailConfig.DEFAULTS, Clock.systemUTC(), BadmailMetrics.NOOP);
            SmtpServer server = new SmtpServer(SmtpConfig.builder().hostname("mx.example.test").maxConnections(200)
                    .maxConnectionsPerIp(100).build(), store.directory(), store.spool(), badmail, serverLatency,
                    Clock.systemUTC(), null);
            server.start();
            System.out.printf("store under %s, %d CPUs, load average %.1f%n", temp.dataDir(),
                    Runtime.getRuntime().availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            System.out.println();
            System.out.println("| size | clients | messages | msg/s | p50 ms | p99 ms | server p50 ms | stored = accepted |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            boolean allOk = true;
            for (int size : sizes) {
                byte[] message = message(size);
                for (int clients : clientCounts) {
                    run(server.port(), clients, message, warmup, new ArrayList<>());
                    long before = store.admin().stats().messages();
                    serverLatency.reset();
                    List<Long> latencies = new ArrayList<>();
                    long t0 = System.nanoTime();
                    long accepted = run(server.port(), clients, message, seconds, latencies);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    long stored = store.admin().stats().messages() - before;
                    boolean ok = stored == accepted;
                    allOk &= ok;
                    long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                    System.out.printf("| %d KB | %d | %d | %.0f | %.1f | %.1f | %.1f | %s |%n", size / 1024, clients,
                            accepted, accepted / secs, pct(l, 50) / 1e6, pct(l, 99) / 1e6,
                            serverLatency.p50() / 1e6, ok ? "yes (" + stored + ")" : "NO: stored " + stored);
                }
            }
            server.stop(Duration.ofSeconds(5));
            if (!allOk) {
                System.out.println("FAILED: stored count differs from accepted count");
                System.exit(1);
            }
        }
    }

    private static long run(int port, int clients, byte[] message, int seconds, List<Long> latencies)
            throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong accepted = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(() -> client(port, message, deadline, accepted)));
            }
            for (Future<List<Long>> f : futures) {
                latencies.addAll(f.get());
            }
        }
        return accepted.get();
    }

    private static List<Long> client(int port, byte[] message, long deadline, AtomicLong accepted) throws IOException {
        List<Long> lat = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setTcpNoDelay(true);
            s.setSoTimeout(120_000);
            InputStream in = s.getInputStream();
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
            expect(in, "220");
            send(out, "EHLO bench.test\r\n");
            expect(in, "250 ");
            while (System.nanoTime() < deadline) {
                send(out, "MAIL FROM:<load@remote.test>\r\nRCPT TO:<bench@example.test>\r\nDATA\r\n");
                expect(in, "250");
                expect(in, "250");
                expect(in, "354");
                out.write(message);
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                long t = System.nanoTime();
                out.flush();
                String reply = expect(in, "250");
                lat.add(System.nanoTime() - t);
                if (reply.startsWith("250 2.0.0 Ok: queued as")) {
                    accepted.incrementAndGet();
                }
            }
            send(out, "QUIT\r\n");
            expect(in, "221");
        }
        return lat;
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one reply (skipping continuation lines); fails unless its last line starts with {@code prefix}. */
    private static String expect(InputStream in, String prefix) throws IOException {
        while (true) {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            String line = b.toString();
            if (line.length() > 3 && line.charAt(3) == '-') {
                continue;
            }
            if (!line.startsWith(prefix)) {
                throw new IOException("expected " + prefix + ", got " + line);
            }
            return line;
        }
    }

    private static byte[] message(int size) {
        StringBuilder b = new StringBuilder(size + 100);
        b.append("From: load@remote.test\r\nTo: bench@example.test\r\nSubject: benchmark\r\n\r\n");
        String line = "The quick brown fox jumps over the lazy dog, again and again and again!!\r\n";
        while (b.length() + line.length() <= size) {
            b.append(line);
        }
        while (b.length() < size - 2) {
            b.append('x');
        }
        b.append("\r\n");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /** Server side of the same latency: SmtpMetrics.acceptLatency. */
    private static final class ServerLatency implements SmtpMetrics {
        private final List<Long> nanos = new ArrayList<>();

        @Override
        public synchronized void acceptLatency(Duration took) {
            nanos.add(took.toNanos());
        }

        synchronized void reset() {
            nanos.clear();
        }

        synchronized long p50() {
            long[] a = nanos.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(a);
            return pct(a, 50);
        }
    }
}
