import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.postkontor.bench.Lines;
import org.postkontor.bench.Pop3Client;

/**
 * A load tool that drives any SMTP + POP3 server by host, ports and credentials, so that
 * Postkontor and a reference stack are measured the same way in one run. Needs only a JDK 22+,
 * whose launcher compiles the POP3 client it shares with the crash tests (bench/org/postkontor/bench/)
 * together with this file (JEP 458):
 *
 * <pre>
 *   java bench/MailBench.java smtp  --host 127.0.0.1 --smtp-port 10025 --users 'bench%d@example.test' \
 *        --mailboxes 32 --clients 8 --messages 2000 --size 4096
 *   java bench/MailBench.java pop3  --host 127.0.0.1 --pop3-port 10995 --tls --users 'bench%d@example.test' \
 *        --password secret --mailboxes 32 --clients 8
 *   java bench/MailBench.java idle  --host 127.0.0.1 --pop3-port 10110 --connections 10000 --server-pid PID
 *   java bench/MailBench.java idle  --host 127.0.0.1 --smtp-port 10025 --connections 2000 --server-pid PID[,PID...]
 *   java bench/MailBench.java handshake --host 127.0.0.1 --pop3-port 10995 --clients 8 --connections 2000
 * </pre>
 *
 * Every message carries headers naming its id and size; its bytes are made again from them (the
 * body is the same for every message of a size, made once), and the POP3 drain checks that each
 * retrieved message ends with exactly the bytes that were sent (servers only prepend trace
 * headers). Before measuring, smtp and pop3 run their own per-message work in memory for
 * {@code --warm-ms} (1000; pop3 for messages of {@code --size}, 16384), so that a short case
 * measures the server, not the load tool's JIT warming up. Output: one line of {@code key=value}
 * results per run, so scripts can compare servers. Exit status 1 if any error or mismatch was seen.
 */
public final class MailBench {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: MailBench smtp|pop3|idle [--option value ...]");
            System.exit(2);
        }
        Options o = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        int status = switch (args[0]) {
            case "smtp" -> smtp(o);
            case "pop3" -> pop3(o);
            case "idle" -> idle(o);
            case "handshake" -> handshake(o);
            case "count" -> count(o);
            default -> {
                System.err.println("unknown mode " + args[0]);
                yield 2;
            }
        };
        System.exit(status);
    }

    // ---------------------------------------------------------------- SMTP ingest

    static int smtp(Options o) throws Exception {
        int clients = o.integer("clients", 8);
        int messages = o.integer("messages", 1000);
        int size = o.integer("size", 4096);
        int mailboxes = o.integer("mailboxes", 1);
        String users = o.string("users", "bench%d@example.test");
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("smtp-port", 10025);
        int firstId = o.integer("first-id", 0);
        long[] latencies = new long[messages];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        Message.warmUp(size, o.integer("warm-ms", 1000));
        long startedMillis = System.currentTimeMillis();
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    try (SmtpClient smtp = new SmtpClient(host, port)) {
                        int i;
                        while ((i = next.getAndIncrement()) < messages) {
                            int id = firstId + i;
                            String rcpt = String.format(Locale.ROOT, users, id % mailboxes);
                            byte[] msg = Message.bytes(id, size, rcpt);
                            long t = smtp.send("bench@sender.test", rcpt, msg);
                            if (t < 0) {
                                errors.incrementAndGet();
                            } else {
                                latencies[i] = t;
                                accepted.incrementAndGet();
                            }
                        }
                    } catch (IOException e) {
                        System.err.println("smtp client: " + e);
                        errors.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.MINUTES);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] ok = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", "smtp");
        r.put("clients", clients);
        r.put("size", size);
        r.put("accepted", accepted.get());
        r.put("errors", errors.get());
        r.put("seconds", fmt(seconds));
        r.put("load_cpu_busy", fmt((processCpuNanos() - cpu0) / (seconds * 1e9)));
        r.put("msgs_per_s", fmt(accepted.get() / seconds));
        r.put("p50_ms", fmt(percentile(ok, 50) / 1e6));
        r.put("p99_ms", fmt(percentile(ok, 99) / 1e6));
        r.put("started_ms", startedMillis); // wall clock, for a caller timing delivery to the mailbox
        print(r);
        return errors.get() == 0 ? 0 : 1;
    }

    // ---------------------------------------------------------------- POP3 drain

    static int pop3(Options o) throws Exception {
        int clients = o.integer("clients", 8);
        int mailboxes = o.integer("mailboxes", 1);
        String users = o.string("users", "bench%d@example.test");
        String password = o.string("password", "secret");
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("pop3-port", 10995);
        boolean tls = o.flag("tls");
        boolean keep = o.flag("keep");
        int expect = o.integer("expect", -1); // messages the drain must find, if given
        AtomicInteger nextBox = new AtomicInteger();
        AtomicLong messages = new AtomicLong();
        AtomicLong octets = new AtomicLong();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger mismatches = new AtomicInteger();
        AtomicInteger notEmpty = new AtomicInteger();
        java.util.Queue<Long> retrNanos = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Message.warmUp(o.integer("size", 16384), o.integer("warm-ms", 1000));
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    int box;
                    while ((box = nextBox.getAndIncrement()) < mailboxes) {
                        String user = String.format(Locale.ROOT, users, box);
                        try (Pop3Client pop = pop3(host, port, tls, user, password)) {
                            int count = pop.stat();
                            pop.multi("LIST");
                            pop.multi("UIDL");
                            for (int n = 1; n <= count; n++) {
                                long t0 = System.nanoTime();
                                byte[] got = pop.retr(n);
                                retrNanos.add(System.nanoTime() - t0);
                                octets.addAndGet(got.length);
                                messages.incrementAndGet();
                                if (!Message.verify(got)) {
                                    mismatches.incrementAndGet();
                                }
                                if (!keep) {
                                    pop.ok("DELE " + n);
                                }
                            }
                            pop.ok("QUIT");
                        } catch (IOException e) {
                            System.err.println("pop3 " + user + ": " + e.getMessage());
                            errors.incrementAndGet();
                        }
                        if (!keep) {
                            try (Pop3Client pop = pop3(host, port, tls, user, password)) {
                                if (pop.stat() != 0) {
                                    notEmpty.incrementAndGet();
                                }
                                pop.ok("QUIT");
                            } catch (IOException e) {
                                errors.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.MINUTES);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", "pop3");
        r.put("clients", clients);
        r.put("mailboxes", mailboxes);
        r.put("messages", messages.get());
        if (expect >= 0) {
            r.put("missing", expect - messages.get());
        }
        r.put("mismatches", mismatches.get());
        r.put("not_empty", notEmpty.get());
        r.put("errors", errors.get());
        r.put("seconds", fmt(seconds));
        r.put("load_cpu_busy", fmt((processCpuNanos() - cpu0) / (seconds * 1e9)));
        r.put("msgs_per_s", fmt(messages.get() / seconds));
        r.put("mb_per_s", fmt(octets.get() / seconds / 1e6));
        long[] retr = retrNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        r.put("retr_p50_ms", fmt(percentile(retr, 50) / 1e6));
        r.put("retr_p99_ms", fmt(percentile(retr, 99) / 1e6));
        print(r);
        boolean counted = expect < 0 || messages.get() == expect;
        return counted && errors.get() == 0 && mismatches.get() == 0 && notEmpty.get() == 0 ? 0 : 1;
    }

    /** Waits (bounded by --timeout seconds) until the mailboxes hold --expect messages in all. */
    static int count(Options o) throws Exception {
        int mailboxes = o.integer("mailboxes", 1);
        String users = o.string("users", "bench%d@example.test");
        String password = o.string("password", "secret");
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("pop3-port", 10995);
        boolean tls = o.flag("tls");
        int expect = o.integer("expect", -1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.integer("timeout", 120));
        long total;
        do {
            total = 0;
            for (int box = 0; box < mailboxes; box++) {
                try (Pop3Client pop = pop3(host, port, tls, String.format(Locale.ROOT, users, box), password)) {
                    total += pop.stat();
                    pop.ok("QUIT");
                }
            }
            if (total == expect || expect < 0) {
                break;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        System.out.println("mode=count messages=" + total);
        return expect < 0 || total == expect ? 0 : 1;
    }

    // ---------------------------------------------------------------- idle connections

    static int idle(Options o) throws Exception {
        int connections = o.integer("connections", 1000);
        String host = o.string("host", "127.0.0.1");
        boolean smtp = o.values().containsKey("smtp-port");
        int port = smtp ? o.integer("smtp-port", 10025) : o.integer("pop3-port", 10110);
        String greeting = smtp ? "220" : "+OK";
        // the server's processes: one JVM, or the master processes of a multi-process server
        // (their descendants are counted with them)
        List<Long> roots = new ArrayList<>();
        for (String pid : o.string("server-pid", "").split(",")) {
            if (!pid.isBlank()) {
                roots.add(Long.parseLong(pid.trim()));
            }
        }
        int holdSeconds = o.integer("hold", 5);
        long[] before = memoryKib(roots);
        List<Socket> open = new ArrayList<>();
        int failed = 0;
        try {
            for (int i = 0; i < connections; i++) {
                try {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(host, port), 10_000);
                    s.setSoTimeout(30_000);
                    open.add(s);
                } catch (IOException e) {
                    failed++;
                }
            }
            int greeted = 0;
            for (Socket s : open) {
                try {
                    String line = Lines.read(s.getInputStream());
                    while (smtp && line.startsWith("220-")) {
                        line = Lines.read(s.getInputStream());
                    }
                    if (line.startsWith(greeting)) {
                        greeted++;
                    }
                } catch (IOException e) {
                    failed++;
                }
            }
            Thread.sleep(holdSeconds * 1000L);
            long[] after = memoryKib(roots);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("mode", smtp ? "idle-smtp" : "idle");
            r.put("connections", open.size());
            r.put("greeted", greeted);
            r.put("failed", failed);
            r.put("processes", after[2]);
            r.put("rss_before_mib", fmt(before[0] / 1024.0));
            r.put("rss_after_mib", fmt(after[0] / 1024.0));
            r.put("pss_after_mib", fmt(after[1] / 1024.0));
            print(r);
            return failed == 0 ? 0 : 1;
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    // ---------------------------------------------------------------- TLS handshakes

    /** New implicit-TLS POP3 connections per second: connect, handshake, greeting, QUIT. */
    static int handshake(Options o) throws Exception {
        int clients = o.integer("clients", 8);
        int total = o.integer("connections", 2000);
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("pop3-port", 10995);
        SSLSocketFactory tls = trustAll();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                jobs.add(pool.submit(() -> {
                    while (next.getAndIncrement() < total) {
                        try (Pop3Client pop = new Pop3Client(host, port, tls, Duration.ofSeconds(30))) {
                            pop.ok("QUIT");
                            done.incrementAndGet();
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(30, TimeUnit.MINUTES);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", "handshake");
        r.put("clients", clients);
        r.put("handshakes", done.get());
        r.put("errors", errors.get());
        r.put("seconds", fmt(seconds));
        r.put("handshakes_per_s", fmt(done.get() / seconds));
        print(r);
        return errors.get() == 0 ? 0 : 1;
    }

    /**
     * RSS and PSS (KiB) summed over the given processes and all their descendants, and how many
     * processes that was. PSS shares each shared page among the processes that map it, so a
     * multi-process server's sum is not inflated by its shared libraries; for one JVM it is its RSS.
     */
    static long[] memoryKib(List<Long> roots) throws IOException {
        Map<Long, List<Long>> children = new java.util.HashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
                    children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(Long.parseLong(name));
                } catch (IOException gone) {
                    // exited while listed
                }
            }
        }
        long rss = 0, pss = 0, count = 0;
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                    if (line.startsWith("Rss:")) {
                        rss += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    } else if (line.startsWith("Pss:")) {
                        pss += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
                count++;
            } catch (IOException gone) {
                continue;
            }
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return roots.isEmpty() ? new long[] {-1, -1, 0} : new long[] {rss, pss, count};
    }

    // ---------------------------------------------------------------- messages

    /** Deterministic test messages: the bytes are a function of (id, size, recipient). */
    /**
     * The load tool's messages: headers that name the message (id, size, recipient), then a body of
     * printable lines, some starting with a dot (to exercise dot-stuffing), the same for every
     * message of one size. The body is generated once per size and kept, so that neither making a
     * message nor checking one byte for byte costs the load tool more than a copy and a compare.
     */
    static final class Message {
        private static final java.util.concurrent.ConcurrentHashMap<Integer, byte[]> BODIES =
                new java.util.concurrent.ConcurrentHashMap<>();

        static byte[] bytes(int id, int size, String rcpt) {
            byte[] head = head(id, size, rcpt);
            byte[] body = body(Math.max(0, size - head.length));
            byte[] out = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, out, head.length, body.length);
            return out;
        }

        private static byte[] head(int id, int size, String rcpt) {
            return ("From: <bench@sender.test>\r\n"
                    + "To: <" + rcpt + ">\r\n"
                    + "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n"
                    + "Message-ID: <" + id + ".bench@sender.test>\r\n"
                    + "Subject: bench message " + id + "\r\n"
                    + "X-Bench-Id: " + id + "\r\n"
                    + "X-Bench-Size: " + size + "\r\n"
                    + "X-Bench-Rcpt: " + rcpt + "\r\n"
                    + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        /** {@code length} octets (at least a CRLF) of lines of 76 characters, CRLF ended. */
        private static byte[] body(int length) {
            return BODIES.computeIfAbsent(Math.max(length, 2), n -> {
                byte[] out = new byte[n];
                SplittableRandom random = new SplittableRandom(n);
                int col = 0;
                for (int i = 0; i < n - 2; i++) {
                    if (col == 76 && i < n - 3) {
                        out[i++] = '\r';
                        out[i] = '\n';
                        col = 0;
                        continue;
                    }
                    out[i] = (byte) (col == 0 && random.nextInt(8) == 0 ? '.' : 32 + random.nextInt(95));
                    col++;
                }
                out[n - 2] = '\r';
                out[n - 1] = '\n';
                return out;
            });
        }

        /** True if {@code got} ends with exactly the bytes that were sent for the message it names. */
        static boolean verify(byte[] got) {
            String head = new String(got, 0, Math.min(got.length, 2048), StandardCharsets.ISO_8859_1);
            String id = header(head, "X-Bench-Id");
            String size = header(head, "X-Bench-Size");
            String rcpt = header(head, "X-Bench-Rcpt");
            if (id == null || size == null || rcpt == null) {
                return false;
            }
            byte[] sentHead = head(Integer.parseInt(id), Integer.parseInt(size), rcpt);
            byte[] sentBody = body(Math.max(0, Integer.parseInt(size) - sentHead.length));
            int bodyAt = got.length - sentBody.length;
            int headAt = bodyAt - sentHead.length;
            return headAt >= 0
                    && Arrays.equals(got, headAt, bodyAt, sentHead, 0, sentHead.length)
                    && Arrays.equals(got, bodyAt, got.length, sentBody, 0, sentBody.length);
        }

        private static String header(String head, String name) {
            int i = head.indexOf("\r\n" + name + ": ");
            if (i < 0) {
                return null;
            }
            int start = i + name.length() + 4;
            int end = head.indexOf("\r\n", start);
            return end < 0 ? null : head.substring(start, end);
        }

        /**
         * Runs the load tool's own per-message work (making, dot-stuffing, un-stuffing and checking
         * messages of {@code size}) in memory for {@code millis} before a measured run, so that its JIT
         * has compiled it and a short case does not measure the load tool's warm-up.
         */
        /** {@code message} as SMTP's DATA and POP3's RETR carry it: dot-stuffed, then ".CRLF". */
        static void writeDotStuffed(byte[] message, OutputStream out) throws IOException {
            boolean lineStart = true;
            for (byte b : message) {
                if (lineStart && b == '.') {
                    out.write('.');
                }
                out.write(b);
                lineStart = b == '\n';
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        static void warmUp(int size, int millis) throws IOException {
            long until = System.nanoTime() + millis * 1_000_000L;
            int id = 0;
            while (System.nanoTime() < until) {
                byte[] msg = bytes(++id, size, "warm@example.test");
                java.io.ByteArrayOutputStream stuffed = new java.io.ByteArrayOutputStream(msg.length + 256);
                writeDotStuffed(msg, stuffed);
                byte[] got = org.postkontor.bench.Pop3Client.undotted(
                        new java.io.ByteArrayInputStream(stuffed.toByteArray()), new byte[65536], msg.length);
                if (!verify(got)) {
                    throw new IllegalStateException("the load tool's own check failed in warm-up");
                }
            }
        }
    }

    // ---------------------------------------------------------------- protocol clients

    static final class SmtpClient implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        SmtpClient(String host, int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(120_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream(), 65536);
            expect(reply(), '2');
            command("EHLO bench.sender.test");
            expect(reply(), '2');
        }

        /** Sends one message; returns nanoseconds from the end of data to the reply, or -1 if refused. */
        long send(String from, String rcpt, byte[] message) throws IOException {
            command("MAIL FROM:<" + from + ">");
            if (reply().charAt(0) != '2') {
                command("RSET");
                reply();
                return -1;
            }
            command("RCPT TO:<" + rcpt + ">");
            if (reply().charAt(0) != '2') {
                command("RSET");
                reply();
                return -1;
            }
            command("DATA");
            expect(reply(), '3');
            Message.writeDotStuffed(message, out);
            out.flush();
            long t0 = System.nanoTime();
            String r = reply();
            long t = System.nanoTime() - t0;
            return r.charAt(0) == '2' ? Math.max(t, 1) : -1;
        }

        private void command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private String reply() throws IOException {
            String line;
            do {
                line = Lines.read(in);
                if (line.length() < 3) {
                    throw new IOException("bad SMTP reply: " + line);
                }
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        @Override
        public void close() throws IOException {
            try {
                command("QUIT");
                reply();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket.close();
        }
    }

    /** A POP3 session logged in as {@code user}; an IOException if the login is refused. */
    static Pop3Client pop3(String host, int port, boolean tls, String user, String password) throws IOException {
        Pop3Client pop = new Pop3Client(host, port, tls ? trustAll() : null, Duration.ofSeconds(120));
        if (!pop.login(user, password)) {
            pop.close();
            throw new IOException("login refused for " + user);
        }
        return pop;
    }

    static void expect(String line, char first) throws IOException {
        if (line.isEmpty() || line.charAt(0) != first) {
            throw new IOException("unexpected reply: " + line);
        }
    }

    static SSLSocketFactory trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}

                public void checkServerTrusted(X509Certificate[] c, String a) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx.getSocketFactory();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * CPU time the load tool's own process has used; over a run's wall time it says how busy the
     * load tool was ({@code load_cpu_busy}: 1.0 is one core, its share when pinned), which bounds
     * what a run can show of any server.
     */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    static void print(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        r.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        System.out.println(sb);
    }

    record Options(Map<String, String> values) {
        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected --option, got " + args[i]);
                }
                String key = args[i].substring(2);
                if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    m.put(key, args[++i]);
                } else {
                    m.put(key, "true");
                }
            }
            return new Options(m);
        }

        int integer(String key, int dflt) {
            return values.containsKey(key) ? Integer.parseInt(values.get(key)) : dflt;
        }

        String string(String key, String dflt) {
            return values.getOrDefault(key, dflt);
        }

        boolean flag(String key) {
            return Boolean.parseBoolean(values.getOrDefault(key, "false"));
        }
    }
}
