package org.postkontor.pop3.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.netty.NettyPop3Server;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;
import org.postkontor.store.testing.TestCertificates;

/**
 * POP3 benchmark (a main, not a test). Two parts:
 *
 * <ol>
 *   <li><b>drain</b>: fills K mailboxes with M messages each through the real store (spool files,
 *       H2 index, real Argon2id password hashes), then N concurrent clients each take mailboxes and
 *       run login, STAT, LIST, UIDL, RETR all, DELE all, QUIT. Prints messages/s and MB/s, checks
 *       every retrieved message byte for byte against what was delivered, and every mailbox empty
 *       at the end (exit status 1 otherwise).</li>
 *   <li><b>idle</b>: starts the server in a child JVM (so the RSS measured is the server's), opens
 *       C connections that each read the greeting and then stay idle, and prints the child's RSS
 *       before and with them.</li>
 * </ol>
 *
 * Options: {@code --mailboxes K} (50), {@code --messages M} (40), {@code --size octets} (8192),
 * {@code --clients N} (8), {@code --tls} (drain over implicit TLS), {@code --pipeline} (all RETRs, then
 * all DELEs, each sent in one write as RFC 2449 PIPELINING allows), {@code --idle C} (10000; 0
 * skips), {@code --server-heap} (256m, the child JVM's -Xmx), {@code --skip-drain}.
 */
public final class Pop3Benchmark {

    private static final String PASSWORD = "bench-password";
    private static final String USER_FORMAT = "bench%d@example.test";
    private static final AtomicLong LOGIN_NANOS = new AtomicLong();
    private static boolean PIPELINE;

    private Pop3Benchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        if (opt.containsKey("serve-idle")) {
            serveIdle(Path.of(opt.get("serve-idle")));
            return;
        }
        boolean ok = true;
        PIPELINE = opt.containsKey("pipeline");
        if (!opt.containsKey("skip-drain")) {
            ok = drain(Integer.parseInt(opt.getOrDefault("mailboxes", "50")),
                    Integer.parseInt(opt.getOrDefault("messages", "40")),
                    Integer.parseInt(opt.getOrDefault("size", "8192")),
                    Integer.parseInt(opt.getOrDefault("clients", "8")),
                    opt.containsKey("tls"));
        }
        int idle = Integer.parseInt(opt.getOrDefault("idle", "10000"));
        if (idle > 0) {
            ok &= idle(idle, opt.getOrDefault("server-heap", "256m"));
        }
        System.exit(ok ? 0 : 1);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
            m.put(key, flag ? "" : args[++i]);
        }
        return m;
    }

    // ---- drain ---------------------------------------------------------------------------------

    private static boolean drain(int mailboxes, int messages, int size, int clients, boolean tls) throws Exception {
        Path dir = Files.createTempDirectory("pop3-bench-");
        StoreConfig under = StoreConfig.under(dir);
        PasswordHasher hasher = new Argon2idPasswordHasher(Argon2Params.DEFAULT);
        TestCertificates certs = TestCertificates.selfSigned("localhost");
        try (Store store = EmbeddedStore.open(new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0),
                hasher, Clock.systemUTC(), StoreMetrics.NOOP)) {
            Administration admin = store.admin();
            admin.addDomain("example.test");
            List<MailAddress> boxes = new ArrayList<>();
            for (int b = 0; b < mailboxes; b++) {
                MailAddress a = MailAddress.parse(String.format(USER_FORMAT, b));
                admin.addUser(a, PASSWORD.toCharArray(), Administration.Quota.NONE);
                boxes.add(a);
            }
            long fillStart = System.nanoTime();
            long filled = 0;
            ExecutorService fillers = Executors.newFixedThreadPool(Math.max(2, clients));
            List<Future<Long>> fills = new ArrayList<>();
            for (MailAddress a : boxes) {
                fills.add(fillers.submit(() -> {
                    long octets = 0;
                    for (int i = 0; i < messages; i++) {
                        byte[] m = message(a, i, size);
                        store.spool().deliver(List.of(a), new ByteArrayInputStream(m));
                        octets += m.length;
                    }
                    return octets;
                }));
            }
            for (Future<Long> f : fills) {
                filled += f.get();
            }
            fillers.shutdown();
            double fillSec = (System.nanoTime() - fillStart) / 1e9;
            System.out.printf(Locale.ROOT, "fill: %d mailboxes x %d messages of ~%d octets through the store in %.2f s"
                    + " (%.0f messages/s, %.2f MB/s, each fsynced)%n", mailboxes, messages, size, fillSec,
                    mailboxes * messages / fillSec, filled / fillSec / 1e6);

            Pop3Config config = Pop3Config.builder().plainPort(0).tlsPort(0).allowPlaintextAuthOnLoopback(true)
                    .maxConnections(Math.max(100, clients * 2)).maxConnectionsPerAddress(Math.max(100, clients * 2))
                    .build();
            Pop3Server server = new NettyPop3Server(config, store.maildrops(), store.accounts(), Pop3Metrics.NOOP,
                    Clock.systemUTC(), certs.serverContext());
            server.start();
            try {
                ConcurrentLinkedQueue<MailAddress> todo = new ConcurrentLinkedQueue<>(boxes);
                AtomicLong gotMessages = new AtomicLong();
                AtomicLong gotOctets = new AtomicLong();
                ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
                int port = tls ? server.tlsPort() : server.plainPort();
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                long start = System.nanoTime();
                List<Future<?>> runs = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    runs.add(pool.submit(() -> {
                        MailAddress a;
                        while ((a = todo.poll()) != null) {
                            try {
                                drainOne(port, tls, a, size, gotMessages, gotOctets);
                            } catch (Exception | AssertionError e) {
                                problems.add(a + ": " + e);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : runs) {
                    f.get();
                }
                double sec = (System.nanoTime() - start) / 1e9;
                pool.shutdown();
                long left = 0;
                for (MailAddress a : boxes) {
                    left += admin.user(a).orElseThrow().messages();
                }
                System.out.printf(Locale.ROOT, "drain: %d clients%s%s, %d mailboxes, %d messages, %.1f MB in %.2f s:"
                        + " %.0f messages/s, %.2f MB/s (login with Argon2id, STAT, LIST, UIDL, RETR all, DELE all,"
                        + " QUIT)%n", clients, tls ? " over TLS" : "", PIPELINE ? " pipelining RETR and DELE" : "", mailboxes, gotMessages.get(),
                        gotOctets.get() / 1e6, sec, gotMessages.get() / sec, gotOctets.get() / sec / 1e6);
                System.out.printf("check: %d messages byte-exact of %d delivered; %d messages left in the store;"
                        + " %d problems%n", gotMessages.get(), (long) mailboxes * messages, left, problems.size());
                System.out.printf(Locale.ROOT, "login: %.0f ms per login on average (Argon2id verify, maildrop"
                        + " lock and snapshot), %.1f s of the clients' time in all%n",
                        LOGIN_NANOS.get() / 1e6 / mailboxes, LOGIN_NANOS.get() / 1e9);
                problems.stream().limit(10).forEach(p -> System.out.println("problem: " + p));
                return problems.isEmpty() && left == 0 && gotMessages.get() == (long) mailboxes * messages;
            } finally {
                server.stop(Duration.ofSeconds(5));
            }
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * A deterministic message for (mailbox, index): headers naming both, body lines of printable
     * text with some lines starting with "." (dot-stuffing on the wire), CRLF line ends.
     */
    static byte[] message(MailAddress a, int index, int size) {
        SplittableRandom r = new SplittableRandom(a.hashCode() * 31L + index);
        StringBuilder b = new StringBuilder(size + 100);
        b.append("From: sender@example.net\r\nTo: ").append(a).append("\r\nSubject: bench ").append(index)
                .append("\r\nX-Bench-Id: ").append(a).append(' ').append(index).append("\r\n\r\n");
        while (b.length() < size) {
            if (r.nextInt(10) == 0) {
                b.append('.');
            }
            int len = 20 + r.nextInt(60);
            for (int i = 0; i < len; i++) {
                b.append((char) ('!' + r.nextInt(94)));
            }
            b.append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void drainOne(int port, boolean tls, MailAddress a, int size, AtomicLong gotMessages,
                                 AtomicLong gotOctets) throws Exception {
        Socket s = tls ? TestCertificates.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port)
                : new Socket("127.0.0.1", port);
        if (s instanceof SSLSocket ssl) {
            ssl.startHandshake();
        }
        s.setSoTimeout(120_000);
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            ok(readLine(in));
            long loginStart = System.nanoTime();
            ok(command(in, out, "USER " + a));
            ok(command(in, out, "PASS " + PASSWORD));
            LOGIN_NANOS.addAndGet(System.nanoTime() - loginStart);
            String stat = ok(command(in, out, "STAT"));
            int count = Integer.parseInt(stat.split(" ")[1]);
            ok(command(in, out, "LIST"));
            List<String> list = multiline(in);
            ok(command(in, out, "UIDL"));
            List<String> uidl = multiline(in);
            if (list.size() != count || uidl.size() != count) {
                throw new AssertionError("STAT " + count + " but LIST " + list.size() + ", UIDL " + uidl.size());
            }
            Map<Integer, byte[]> expectedById = new HashMap<>();
            for (int i = 0; i < count; i++) {
                byte[] m = message(a, i, size);
                expectedById.put(i, digest(("Delivered-To: " + a + "\r\n").getBytes(StandardCharsets.US_ASCII), m));
            }
            if (PIPELINE) { // RFC 2449 PIPELINING: all RETRs in one write, replies read in order
                StringBuilder all = new StringBuilder();
                for (int n = 1; n <= count; n++) {
                    all.append("RETR ").append(n).append("\r\n");
                }
                out.write(all.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            for (int n = 1; n <= count; n++) {
                long listed = Long.parseLong(list.get(n - 1).split(" ")[1]);
                ok(PIPELINE ? readLine(in) : command(in, out, "RETR " + n));
                byte[] body = body(in);
                if (body.length != listed) {
                    throw new AssertionError("message " + n + ": LIST " + listed + " octets, RETR " + body.length);
                }
                int id = benchId(body);
                byte[] want = expectedById.remove(id);
                if (want == null || !Arrays.equals(want, digest(new byte[0], body))) {
                    throw new AssertionError("message " + n + " (bench id " + id + ") is not what was delivered");
                }
                gotMessages.incrementAndGet();
                gotOctets.addAndGet(body.length);
            }
            if (PIPELINE) {
                StringBuilder all = new StringBuilder();
                for (int n = 1; n <= count; n++) {
                    all.append("DELE ").append(n).append("\r\n");
                }
                out.write(all.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            for (int n = 1; n <= count; n++) {
                ok(PIPELINE ? readLine(in) : command(in, out, "DELE " + n));
            }
            ok(command(in, out, "QUIT"));
            if (!expectedById.isEmpty()) {
                throw new AssertionError(expectedById.size() + " delivered messages were not listed");
            }
        }
    }

    private static int benchId(byte[] body) {
        String head = new String(body, 0, Math.min(body.length, 400), StandardCharsets.US_ASCII);
        int at = head.indexOf("X-Bench-Id: ");
        int eol = head.indexOf("\r\n", at);
        String[] parts = head.substring(at + 12, eol).split(" ");
        return Integer.parseInt(parts[1]);
    }

    private static byte[] digest(byte[] prefix, byte[] data) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(prefix);
        md.update(data);
        return md.digest();
    }

    private static String command(InputStream in, OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readLine(in);
    }

    private static String ok(String line) {
        if (line == null || !line.startsWith("+OK")) {
            throw new AssertionError("server said: " + line);
        }
        return line;
    }

    private static List<String> multiline(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        String l;
        while (!(l = readLine(in)).equals(".")) {
            lines.add(l.startsWith(".") ? l.substring(1) : l);
        }
        return lines;
    }

    /** A multi-line body with dot-stuffing undone, CRLFs kept, the terminating line removed. */
    private static byte[] body(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(16 * 1024);
        String l;
        while (!(l = readLine(in)).equals(".")) {
            b.writeBytes((l.startsWith(".") ? l.substring(1) : l).getBytes(StandardCharsets.ISO_8859_1));
            b.write('\r');
            b.write('\n');
        }
        return b.toByteArray();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = b.length();
                if (len == 0 || b.charAt(len - 1) != '\r') {
                    throw new IOException("line without CRLF");
                }
                b.setLength(len - 1);
                return b.toString();
            }
            b.append((char) c);
        }
        throw new IOException("connection closed");
    }

    // ---- idle connections ----------------------------------------------------------------------

    /** Child JVM: a store and a plain POP3 listener; prints the port, runs until stdin closes. */
    private static void serveIdle(Path dir) throws Exception {
        StoreConfig under = StoreConfig.under(dir);
        try (Store store = EmbeddedStore.open(new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0),
                new Argon2idPasswordHasher(Argon2Params.DEFAULT), Clock.systemUTC(), StoreMetrics.NOOP)) {
            Pop3Config config = Pop3Config.builder().plainPort(0).tlsPort(-1).maxConnections(20_000)
                    .maxConnectionsPerAddress(20_000).build();
            Pop3Server server = new NettyPop3Server(config, store.maildrops(), store.accounts(), Pop3Metrics.NOOP,
                    Clock.systemUTC(), null);
            server.start();
            System.out.println("PORT " + server.plainPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    private static boolean idle(int connections, String heap) throws Exception {
        Path dir = Files.createTempDirectory("pop3-bench-idle-");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                Pop3Benchmark.class.getName(), "--serve-idle", dir.toString());
        Path childOut = dir.resolveSibling(dir.getFileName() + ".log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(childOut.toFile()).start();
        List<Socket> sockets = new ArrayList<>(connections);
        try {
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (port < 0 && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                for (String line : Files.readAllLines(childOut, StandardCharsets.ISO_8859_1)) {
                    if (line.startsWith("PORT ")) {
                        port = Integer.parseInt(line.substring(5).trim());
                    }
                }
            }
            if (port < 0) {
                System.out.println("idle: the server child did not start");
                return false;
            }
            settle();
            long before = rssKiB(child.pid());
            long start = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
                s.setSoTimeout(60_000);
                sockets.add(s);
                String greeting = readLine(new BufferedInputStream(s.getInputStream(), 256));
                if (!greeting.startsWith("+OK")) {
                    System.out.println("idle: connection " + i + " got " + greeting);
                    return false;
                }
            }
            double sec = (System.nanoTime() - start) / 1e9;
            settle();
            long with = rssKiB(child.pid());
            System.out.printf(Locale.ROOT, "idle: %d connections opened and greeted in %.1f s; server RSS %.1f MiB"
                    + " before, %.1f MiB with them (%.1f KiB per idle connection; child JVM -Xmx%s)%n", connections,
                    sec, before / 1024.0, with / 1024.0, (with - before) / (double) connections, heap);
            return true;
        } finally {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            child.getOutputStream().close();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            deleteTree(dir);
            Files.deleteIfExists(childOut);
        }
    }

    private static void settle() throws InterruptedException {
        Thread.sleep(3000);
    }

    private static long rssKiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
