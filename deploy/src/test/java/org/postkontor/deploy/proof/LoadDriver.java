package org.postkontor.deploy.proof;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.deploy.Main;
import org.postkontor.deploy.e2e.TestEnv;

/**
 * Load against the real appliance in a child JVM (issue 8, load): {@code sessions} concurrent
 * sessions, half SMTP senders (plain SMTP, messages of 1 to 20 KiB for 2 to 6 s per session, then
 * QUIT and reconnect) and half POP3 drainers (POP3S, each on its own mailbox: STAT, RETR every
 * message and check it byte-exact, DELE, NOOPs, QUIT, reconnect), for {@code seconds}; the appliance's RSS is read
 * from /proc/PID/status every second. Alongside, slow clients: silent ones, ones that send one
 * byte and then nothing for a minute, an SMTP one that trickles a byte a second (cut only by
 * smtp.session-max-duration) and a POP3S one that never starts its TLS handshake; each must be cut
 * off by the configured timeouts (command/idle/handshake: 5 s by default, SMTP session: twice that
 * plus 2 s) while the normal
 * sessions keep being served. At the end everything left is drained: every message that got a 250
 * was retrieved exactly once. {@code LoadTest} runs a small version in the suite; {@link #main}
 * the long one (bench/load.sh; RELIABILITY.md has the numbers).
 */
public final class LoadDriver {

    static final String PASSWORD = "load-test-password";
    public record Options(int sessions, int seconds, int slowPerKind, String xmx, Duration timeout) {
        /** smtp.session-max-duration: what cuts the trickling client. */
        Duration smtpSessionMax() {
            return timeout.multipliedBy(2).plusSeconds(2);
        }
    }

    public record SlowResult(String kind, long cutAfterMillis, String how) {}

    public record Result(int sessions, int seconds, long smtpSessions, long pop3Sessions, long accepted,
            long retrieved, long leftAtEnd, List<String> errors, List<Long> rssKib, List<SlowResult> slow,
            List<Long> smtpSessionMillis, List<Long> pop3SessionMillis, long sessionsWhileSlow, long timeoutSeconds) {

        long maxRssKib() {
            return rssKib.stream().mapToLong(x -> x).max().orElse(0);
        }

        String summary() {
            return "sessions=" + sessions + " seconds=" + seconds + " smtp_sessions=" + smtpSessions
                    + " pop3_sessions=" + pop3Sessions + " accepted=" + accepted + " retrieved_during_load=" + retrieved
                    + " drained_at_end=" + leftAtEnd + " errors=" + errors.size() + " smtp_session_ms(p50/p99/max)="
                    + pct(smtpSessionMillis) + " pop3_session_ms(p50/p99/max)=" + pct(pop3SessionMillis)
                    + " rss_mib(first/max/last)=" + mib(rssKib.isEmpty() ? 0 : rssKib.get(0)) + "/" + mib(maxRssKib())
                    + "/" + mib(rssKib.isEmpty() ? 0 : rssKib.get(rssKib.size() - 1));
        }

        private static String mib(long kib) {
            return String.valueOf(kib / 1024);
        }

        private static String pct(List<Long> xs) {
            if (xs.isEmpty()) {
                return "-";
            }
            List<Long> s = new ArrayList<>(xs);
            Collections.sort(s);
            return s.get(s.size() / 2) + "/" + s.get((int) Math.min(s.size() - 1, Math.floor(s.size() * 0.99))) + "/"
                    + s.get(s.size() - 1);
        }
    }

    private final Options options;
    private final long runStart = System.nanoTime();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicLong smtpSessions = new AtomicLong();
    private final AtomicLong pop3Sessions = new AtomicLong();
    private final Set<Integer> accepted = ConcurrentHashMap.newKeySet();
    private final Set<Integer> retrieved = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> smtpMillis = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> pop3Millis = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SlowResult> slow = new ConcurrentLinkedQueue<>();
    private List<String> users;
    private int smtpPort;
    private int pop3Port;
    private int pop3sPort;

    LoadDriver(Options options) {
        this.options = options;
    }

    /**
     * {@code main [SESSIONS] [SECONDS] [SLOW_PER_KIND] [XMX] [TIMEOUT_S]}: exit 1 on any error or slow
     * client not cut. TIMEOUT_S sets smtp.command-timeout, smtp.data-timeout, pop3.idle-timeout and
     * pop3.tls-handshake-timeout; smtp.session-max-duration is twice it plus 2 s.
     */
    public static void main(String[] args) throws Exception {
        Options o = new Options(args.length > 0 ? Integer.parseInt(args[0]) : 1000,
                args.length > 1 ? Integer.parseInt(args[1]) : 60, args.length > 2 ? Integer.parseInt(args[2]) : 10,
                args.length > 3 ? args[3] : "default",
                Duration.ofSeconds(args.length > 4 ? Integer.parseInt(args[4]) : 5));
        Path dir = Files.createTempDirectory("postkontor-load");
        System.out.println("appliance JVM options: " + String.join(" ", jvmOptions(o.xmx())));
        Result r = new LoadDriver(o).run(dir);
        print(r);
        boolean ok = r.errors().isEmpty() && r.slow().stream().allMatch(s -> s.cutAfterMillis() >= 0);
        System.exit(ok ? 0 : 1);
    }

    /**
     * The appliance's JVM options: the shipped ones (deploy/docker/jvm.options, what ./postkontor
     * and the image use), then {@code -Xmx<xmx>} unless {@code xmx} is {@code default}.
     */
    static List<String> jvmOptions(String xmx) {
        List<String> out = new ArrayList<>();
        for (Path p : List.of(Path.of("docker", "jvm.options"), Path.of("deploy", "docker", "jvm.options"))) {
            if (Files.isRegularFile(p)) {
                out.add("@" + p.toAbsolutePath());
                break;
            }
        }
        if (out.isEmpty() && xmx.equals("default")) {
            throw new IllegalStateException("deploy/docker/jvm.options not found from " + Path.of("").toAbsolutePath());
        }
        if (!xmx.equals("default")) {
            out.add("-Xmx" + xmx);
        }
        out.add("-XX:+ExitOnOutOfMemoryError");
        return out;
    }

    static void print(Result r) {
        System.out.println("load: " + r.summary() + " timeouts_s=" + r.timeoutSeconds());
        System.out.println("rss_kib per second: " + r.rssKib());
        r.slow().forEach(s -> System.out.println("slow client " + s.kind() + ": cut after " + s.cutAfterMillis()
                + " ms (" + s.how() + ")"));
        System.out.println("normal sessions completed while slow clients were connected: " + r.sessionsWhileSlow());
        r.errors().stream().limit(20).forEach(e -> System.out.println("ERROR " + e));
        Map<String, Long> kinds = new java.util.TreeMap<>();
        r.errors().forEach(e -> kinds.merge(e.replaceAll("[0-9]+", "N"), 1L, Long::sum));
        kinds.forEach((k, n) -> System.out.println("errors of this kind: " + n + " x " + k));
    }

    Result run(Path dir) throws Exception {
        int senders = options.sessions() / 2;
        int drainers = options.sessions() - senders;
        users = new ArrayList<>();
        for (int i = 0; i < drainers; i++) {
            users.add("load" + i + "@example.test");
        }
        Path data = dir.resolve("data");
        TestEnv.provision(data, users, PASSWORD);
        smtpPort = freePort();
        pop3Port = freePort();
        pop3sPort = freePort();
        int limit = options.sessions() + 4 * options.slowPerKind() + 100;
        Map<String, String> env = TestEnv.forDataDir(data);
        env.put("POSTKONTOR_SMTP_PORT", String.valueOf(smtpPort));
        env.put("POSTKONTOR_POP3_PORT", String.valueOf(pop3Port));
        env.put("POSTKONTOR_POP3_TLS_PORT", String.valueOf(pop3sPort));
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "0");
        env.put("POSTKONTOR_LOG_LEVEL", "WARN");
        env.put("POSTKONTOR_SMTP_MAX_CONNECTIONS", String.valueOf(limit));
        env.put("POSTKONTOR_SMTP_MAX_CONNECTIONS_PER_IP", String.valueOf(limit));
        env.put("POSTKONTOR_POP3_MAX_CONNECTIONS", String.valueOf(limit));
        env.put("POSTKONTOR_POP3_MAX_CONNECTIONS_PER_ADDRESS", String.valueOf(limit));
        env.put("POSTKONTOR_SMTP_COMMAND_TIMEOUT", options.timeout().toSeconds() + "s");
        env.put("POSTKONTOR_SMTP_DATA_TIMEOUT", options.timeout().toSeconds() + "s");
        env.put("POSTKONTOR_SMTP_SESSION_MAX_DURATION", options.smtpSessionMax().toSeconds() + "s");
        env.put("POSTKONTOR_POP3_IDLE_TIMEOUT", options.timeout().toSeconds() + "s");
        env.put("POSTKONTOR_POP3_TLS_HANDSHAKE_TIMEOUT", options.timeout().toSeconds() + "s");
        env.put("POSTKONTOR_POP3_FAILED_LOGIN_DELAY", "0");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions(options.xmx()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
        Path log = dir.resolve("appliance.log");
        Process p = TestEnv.child(cmd, env, log).start();
        List<Long> rss = Collections.synchronizedList(new ArrayList<>());
        long leftAtEnd;
        long whileSlow;
        try {
            awaitServing(p);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> sample(p.pid(), rss));
            List<Thread> slowThreads = startSlowClients();
            long slowStart = System.nanoTime();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                long seed = i;
                load.add(Thread.ofVirtual().start(() -> sendUntilStopped(new SplittableRandom(seed))));
            }
            for (int i = 0; i < drainers; i++) {
                String user = users.get(i);
                long seed = 1_000_000L + i;
                load.add(Thread.ofVirtual().start(() -> drainUntilStopped(user, new SplittableRandom(seed))));
            }
            for (Thread t : slowThreads) {
                t.join(Duration.ofSeconds(120));
            }
            whileSlow = smtpSessions.get() + pop3Sessions.get(); // until the last slow client was cut off
            long rest = Duration.ofSeconds(options.seconds()).toNanos() - (System.nanoTime() - slowStart);
            if (rest > 0) {
                Thread.sleep(Duration.ofNanos(rest));
            }
            stop.set(true);
            for (Thread t : load) {
                if (!t.join(Duration.ofSeconds(120))) {
                    errors.add("a session did not finish within 120 s of the end");
                }
            }
            sampler.interrupt();
            leftAtEnd = finalDrain();
            if (!p.isAlive()) {
                errors.add("the appliance exited with " + p.exitValue() + "; see " + log);
            }
        } finally {
            p.destroy(); // SIGTERM to exactly the process started above
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
        Set<Integer> missing = ConcurrentHashMap.newKeySet();
        missing.addAll(accepted);
        missing.removeAll(retrieved);
        if (!missing.isEmpty()) {
            errors.add(missing.size() + " accepted messages were never retrieved, e.g. " + missing.iterator().next());
        }
        return new Result(options.sessions(), options.seconds(), smtpSessions.get(), pop3Sessions.get(),
                accepted.size(), retrieved.size() - leftAtEnd, leftAtEnd, List.copyOf(errors), List.copyOf(rss),
                List.copyOf(slow), List.copyOf(smtpMillis), List.copyOf(pop3Millis), whileSlow,
                options.timeout().toSeconds());
    }

    // ---- normal sessions ------------------------------------------------------------------------

    /**
     * SMTP sessions as an MTA with a connection cache sends: EHLO, then messages of 1 to 20 KiB to
     * random mailboxes with a pause of 0.2 to 1.5 s between them for 2 to 6 s, QUIT, reconnect.
     */
    private void sendUntilStopped(SplittableRandom r) {
        while (!stop.get()) {
            long start = System.nanoTime();
            long end = start + Duration.ofMillis(2000 + r.nextInt(4000)).toNanos();
            String step = "connect";
            try (Wire w = new Wire(smtpPort, false, 120_000, null)) {
                step = "greeting";
                expect(w.smtpReply(), "220", "greeting");
                step = "EHLO";
                expect(w.smtp("EHLO load.sender.test"), "250", "EHLO");
                do {
                    int id = nextId.getAndIncrement();
                    String rcpt = users.get(r.nextInt(users.size()));
                    step = "transaction";
                    boolean ok;
                    try {
                        ok = w.sendMail("load@sender.test", rcpt, message(id, 1024 + r.nextInt(19 * 1024)));
                    } catch (IOException e) {
                        throw new IOException("at " + w.lastCommand + ": " + e, e);
                    }
                    if (!ok) {
                        throw new IOException("message " + id + " to " + rcpt + " was not accepted: " + w.lastReply);
                    }
                    accepted.add(id);
                    pause(200 + r.nextInt(1300));
                } while (System.nanoTime() < end && !stop.get());
                step = "QUIT";
                expect(w.smtp("QUIT"), "221", "QUIT");
                smtpSessions.incrementAndGet();
                smtpMillis.add((System.nanoTime() - start) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                errors.add("smtp (" + step + "): " + e + " after " + (System.nanoTime() - start) / 1_000_000 + " ms, "
                        + Duration.ofNanos(System.nanoTime() - runStart).toSeconds() + " s into the run");
                pause(200);
            }
        }
    }

    /**
     * POP3S sessions as a mail client that stays connected a while: login, STAT, RETR + check + DELE
     * each message (at most 20) with a pause of 0.2 to 1.5 s between commands, NOOPs until the
     * session is {@code L/2} to {@code L} long ({@code L} = half the run, 4 to 30 s), QUIT,
     * reconnect. Long sessions keep the login rate (Argon2id, by design expensive) realistic.
     */
    private void drainUntilStopped(String user, SplittableRandom r) {
        long l = Math.clamp(options.seconds() * 500L, 4000, 30_000);
        while (!stop.get()) {
            long start = System.nanoTime();
            try {
                drainOnce(user, false, r, start + Duration.ofMillis(l / 2 + r.nextLong(l / 2)).toNanos());
                pop3Sessions.incrementAndGet();
                pop3Millis.add((System.nanoTime() - start) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                errors.add("pop3: " + e + " after " + (System.nanoTime() - start) / 1_000_000 + " ms, "
                        + Duration.ofNanos(System.nanoTime() - runStart).toSeconds() + " s into the run");
                pause(200);
            }
        }
    }

    /** One POP3S session on {@code user}'s maildrop; returns how many messages it retrieved. */
    private int drainOnce(String user, boolean last, SplittableRandom r, long end) throws IOException {
        try (Wire w = new Wire(pop3sPort, true, 120_000, null)) {
            expect(w.line(), "+OK", "greeting");
            expect(w.pop("USER " + user), "+OK", "USER");
            expect(w.pop("PASS " + PASSWORD), "+OK", "PASS");
            String stat = w.pop("STAT");
            expect(stat, "+OK", "STAT");
            int count = Integer.parseInt(stat.split(" ")[1]);
            int limit = last ? count : Math.min(count, 20);
            for (int n = 1; n <= limit; n++) {
                expect(w.pop("RETR " + n), "+OK", "RETR");
                String body = w.multiLine();
                int id = idOf(body);
                if (id < 0 || !body.endsWith(new String(message(id, sizeOf(body)), StandardCharsets.ISO_8859_1))) {
                    errors.add("pop3 " + user + ": message " + n + " is not what was sent");
                } else if (!retrieved.add(id)) {
                    errors.add("pop3 " + user + ": message " + id + " retrieved twice");
                }
                expect(w.pop("DELE " + n), "+OK", "DELE");
                if (r != null) {
                    pause(200 + r.nextInt(1300));
                }
            }
            while (r != null && System.nanoTime() < end && !stop.get()) {
                expect(w.pop("NOOP"), "+OK", "NOOP");
                pause(200 + r.nextInt(1300));
            }
            expect(w.pop("QUIT"), "+OK", "QUIT");
            return limit;
        }
    }

    private long finalDrain() {
        long n = 0;
        for (String user : users) {
            try {
                n += drainOnce(user, true, null, 0);
            } catch (IOException | RuntimeException e) {
                errors.add("final drain " + user + ": " + e.getMessage());
            }
        }
        return n;
    }

    static byte[] message(int id, int size) {
        StringBuilder sb = new StringBuilder(size + 200);
        sb.append("From: <load@sender.test>\r\nSubject: load ").append(id).append("\r\nX-Load-Id: ").append(id)
                .append("\r\nX-Load-Size: ").append(size).append("\r\n\r\n");
        SplittableRandom r = new SplittableRandom(id);
        int col = 0;
        for (int i = 0; i < size; i++) {
            if (col == 76) {
                sb.append("\r\n");
                col = 0;
            } else {
                sb.append(col == 0 && r.nextInt(20) == 0 ? '.' : (char) ('!' + r.nextInt(90)));
                col++;
            }
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int idOf(String body) {
        String v = header(body, "X-Load-Id");
        return v == null ? -1 : Integer.parseInt(v);
    }

    private static int sizeOf(String body) {
        String v = header(body, "X-Load-Size");
        return v == null ? 0 : Integer.parseInt(v);
    }

    private static String header(String body, String name) {
        int i = body.indexOf("\r\n" + name + ": ");
        if (i < 0) {
            return null;
        }
        int s = i + name.length() + 4;
        return body.substring(s, body.indexOf("\r\n", s));
    }

    private static void expect(String reply, String prefix, String what) throws IOException {
        if (!reply.startsWith(prefix)) {
            throw new IOException(what + " answered " + reply);
        }
    }

    // ---- slow clients ---------------------------------------------------------------------------

    private List<Thread> startSlowClients() {
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < options.slowPerKind(); i++) {
            ts.add(slowClient("smtp silent", smtpPort, null, 0, options.timeout()));
            ts.add(slowClient("smtp byte-a-minute", smtpPort, "E", 0, options.timeout()));
            ts.add(slowClient("smtp trickle 1 byte/s", smtpPort, "NOOP\r\n", 1000, options.smtpSessionMax()));
            ts.add(slowClient("pop3 silent", pop3Port, null, 0, options.timeout()));
            ts.add(slowClient("pop3 byte-a-minute", pop3Port, "C", 0, options.timeout()));
            ts.add(slowClient("pop3s no handshake", pop3sPort, null, 0, options.timeout()));
        }
        return ts;
    }

    /**
     * Connects and sends {@code text} once (byte-a-minute: one byte, then a minute of nothing) or, with
     * {@code everyMillis > 0}, one byte of it every {@code everyMillis}, until the server closes the
     * connection; records the time to that close (-1 if not cut within {@code limit} + 60 s).
     */
    private Thread slowClient(String kind, int port, String text, long everyMillis, Duration limit) {
        return Thread.ofVirtual().start(() -> {
            long start = System.nanoTime();
            long deadline = start + limit.plusSeconds(60).toNanos();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(1000);
                InputStream in = s.getInputStream();
                byte[] bytes = text == null ? new byte[0] : text.getBytes(StandardCharsets.US_ASCII);
                int sent = 0;
                long nextSend = System.nanoTime();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                while (System.nanoTime() < deadline) {
                    if (bytes.length > 0 && System.nanoTime() >= nextSend && (everyMillis > 0 || sent == 0)) {
                        s.getOutputStream().write(bytes[sent % bytes.length]);
                        s.getOutputStream().flush();
                        sent++;
                        nextSend = System.nanoTime() + Duration.ofMillis(everyMillis).toNanos();
                    }
                    try {
                        int b = in.read();
                        if (b == -1) {
                            String last = got.toString(StandardCharsets.ISO_8859_1).trim();
                            int nl = last.lastIndexOf('\n');
                            slow.add(new SlowResult(kind, (System.nanoTime() - start) / 1_000_000,
                                    port == pop3sPort ? "closed by the server after " + got.size() + " bytes (TLS alert)"
                                            : "closed by the server, last line: " + (nl < 0 ? last : last.substring(nl + 1))));
                            return;
                        }
                        got.write(b);
                    } catch (java.net.SocketTimeoutException again) {
                        // keep waiting (and trickling)
                    }
                }
                slow.add(new SlowResult(kind, -1, "still connected after " + limit.plusSeconds(60)));
            } catch (IOException e) {
                slow.add(new SlowResult(kind, (System.nanoTime() - start) / 1_000_000, "reset: " + e.getMessage()));
            }
        });
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private void awaitServing(Process p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the appliance exited with " + p.exitValue() + " at start");
            }
            try (Socket a = new Socket("127.0.0.1", smtpPort); Socket b = new Socket("127.0.0.1", pop3sPort);
                    Socket c = new Socket("127.0.0.1", pop3Port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the appliance did not serve within 120 s");
    }

    private void sample(long pid, List<Long> rss) {
        Path status = Path.of("/proc/" + pid + "/status");
        while (!Thread.currentThread().isInterrupted()) {
            try {
                for (String l : Files.readAllLines(status)) {
                    if (l.startsWith("VmRSS:")) {
                        rss.add(Long.parseLong(l.replaceAll("[^0-9]", "")));
                    }
                }
                Thread.sleep(1000);
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
