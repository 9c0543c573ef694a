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
 *   java bench/MailBench.java rehearse pop3 --tls --clients 8 --size 16384   (the rehearsal alone)
 *   java bench/MailBench.java serve        (then one "MODE --option value ..." line after another)
 * </pre>
 *
 * Every message carries headers naming its id and size; its bytes are made again from them (the
 * body is the same for every message of a size, made once), and the POP3 drain checks that each
 * retrieved message ends with exactly the bytes that were sent (servers only prepend trace
 * headers). Before measuring, smtp, pop3 and handshake rehearse against servers inside the load
 * tool until its JIT is quiet ({@link Rehearsal}; pop3's messages there are of {@code --size},
 * 16384), so that a short case measures the server, not the load tool's JIT warming up. Output:
 * one line of {@code key=value} results per run, so scripts can compare servers. Exit status 1 if
 * any error or mismatch was seen. {@code serve} runs one command line after another from standard
 * input in one JVM, as {@code bench/compare.sh} does.
 */
public final class MailBench {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: MailBench smtp|pop3|idle|handshake|count|serve [--option value ...]");
            System.exit(2);
        }
        System.exit(args[0].equals("serve") ? serve() : run(args));
    }

    /** One run of the mode {@code args[0]} with its options; its exit status. */
    static int run(String[] args) throws Exception {
        if (args[0].equals("rehearse")) {
            return rehearse(Arrays.copyOfRange(args, 1, args.length));
        }
        Options o = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        return switch (args[0]) {
            case "smtp" -> measured(o, Rehearsal.Protocol.SMTP, MailBench::smtp);
            case "pop3" -> measured(o, Rehearsal.Protocol.POP3, MailBench::pop3);
            case "idle" -> idle(o);
            case "handshake" -> measured(o, Rehearsal.Protocol.HANDSHAKE, MailBench::handshake);
            case "count" -> count(o);
            default -> {
                System.err.println("unknown mode " + args[0]);
                yield 2;
            }
        };
    }

    /**
     * One load tool for a whole benchmark: runs each line of standard input as the arguments of one
     * run (words split on white space), printing the run's output and then {@code status=N}. A
     * benchmark of many cases then runs them all in one JVM, whose JIT has compiled the clients'
     * code (TLS above all) once, not again for every case.
     */
    static int serve() throws IOException {
        java.io.BufferedReader commands = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = commands.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            int status;
            try {
                status = run(line.trim().split("\\s+"));
            } catch (Exception e) {
                e.printStackTrace();
                status = 1;
            }
            System.out.println("status=" + status);
            System.out.flush();
        }
        return 0;
    }

    /** What one run of a mode measured, and whether it saw no error, mismatch or missing message. */
    record Outcome(Map<String, Object> results, boolean clean) {}

    interface Mode {
        Outcome run(Options o) throws Exception;
    }

    /** A mode run against the servers under test after its {@link Rehearsal}; prints its results. */
    static int measured(Options o, Rehearsal.Protocol protocol, Mode mode) throws Exception {
        double rehearsed = Rehearsal.run(o, protocol, mode);
        Outcome outcome = mode.run(o);
        if (rehearsed > 0) {
            outcome.results().put("rehearsal_s", fmt(rehearsed));
        }
        print(outcome.results());
        return outcome.clean() ? 0 : 1;
    }

    /**
     * {@code rehearse MODE --options}: only the rehearsal of that run (the servers under test are
     * not contacted), so that a caller can measure the servers over the run alone, which it then
     * starts with {@code --warm-ms 0}.
     */
    static int rehearse(String[] args) throws Exception {
        Options o = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        double seconds = switch (args[0]) {
            case "smtp" -> Rehearsal.run(o, Rehearsal.Protocol.SMTP, MailBench::smtp);
            case "pop3" -> Rehearsal.run(o, Rehearsal.Protocol.POP3, MailBench::pop3);
            case "handshake" -> Rehearsal.run(o, Rehearsal.Protocol.HANDSHAKE, MailBench::handshake);
            default -> throw new IllegalArgumentException("no rehearsal for " + args[0]);
        };
        System.out.println("mode=rehearse rehearsal_s=" + fmt(seconds));
        return 0;
    }

    // ---------------------------------------------------------------- SMTP ingest

    static Outcome smtp(Options o) throws Exception {
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
        return new Outcome(r, errors.get() == 0);
    }

    // ---------------------------------------------------------------- POP3 drain

    static Outcome pop3(Options o) throws Exception {
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
        boolean counted = expect < 0 || messages.get() == expect;
        return new Outcome(r, counted && errors.get() == 0 && mismatches.get() == 0 && notEmpty.get() == 0);
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
    static Outcome handshake(Options o) throws Exception {
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
        return new Outcome(r, errors.get() == 0);
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

        /** {@code message} as SMTP's DATA and POP3's RETR carry it: dot-stuffed, then ".CRLF". */
        static void writeDotStuffed(byte[] message, OutputStream out) throws IOException {
            // in runs between the added dots: a write per octet took the (locked) buffered stream
            // 1.4 ms per 64 KiB message, and made the load tool the limit of the SMTP cases
            int from = 0;
            for (int i = 0; i < message.length; i++) {
                if (message[i] == '.' && (i == 0 || message[i - 1] == '\n')) {
                    out.write(message, from, i - from);
                    out.write('.');
                    from = i;
                }
            }
            out.write(message, from, message.length - from);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    // ---------------------------------------------------------------- rehearsal

    /**
     * The load tool's rehearsal before a measured run: the mode's own code (connecting, TLS, the
     * protocol's commands, making, un-stuffing and checking messages) run against minimal servers
     * inside the load tool, on loopback, for at least {@code --warm-ms} (1000; 0 skips it) and then
     * until the load tool's JIT has spent less than 10 % of half a second compiling (at most 10 s).
     * Without it a short case measures the load tool's own JIT: a TLS drain of 2,000 messages
     * spent 2.6 s compiling in a run of 3.5 s. A JVM's JIT needs ~15 s of TLS sessions on one core
     * to go quiet, so a benchmark of many cases runs them in one load tool ({@code serve}), where
     * later rehearsals are short. Over TLS it rehearses against an ECDSA P-256 and an
     * RSA 2048 certificate in turn (the one Postkontor makes and the one the peer stack uses);
     * their key stores are made once with the JDK's keytool and kept in the temp directory.
     */
    static final class Rehearsal {
        enum Protocol { SMTP, POP3, HANDSHAKE }

        private static final int MESSAGES_PER_BOX = 32;
        private static final char[] STORE_PASSWORD = "rehearsal".toCharArray();

        private Rehearsal() {}

        /** Rehearses {@code mode} as {@code o} will run it; returns the seconds it took. */
        static double run(Options o, Protocol protocol, Mode mode) throws Exception {
            int warmMs = o.integer("warm-ms", 1000);
            if (warmMs <= 0) {
                return 0;
            }
            int clients = o.integer("clients", 8);
            boolean tls = protocol == Protocol.HANDSHAKE || (protocol == Protocol.POP3 && o.flag("tls"));
            int size = o.integer("size", protocol == Protocol.SMTP ? 4096 : 16384);
            List<FakeServer> servers = new ArrayList<>();
            try {
                if (tls) {
                    servers.add(new FakeServer(serverContext("EC"), protocol, size));
                    servers.add(new FakeServer(serverContext("RSA"), protocol, size));
                } else {
                    servers.add(new FakeServer(null, protocol, size));
                }
                Options base = o.with("host", "127.0.0.1").without("expect").without("keep")
                        .with("mailboxes", clients).with("messages", clients * MESSAGES_PER_BOX)
                        .with("connections", clients * MESSAGES_PER_BOX);
                java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
                long start = System.nanoTime();
                long deadline = start + TimeUnit.SECONDS.toNanos(10);
                long windowStart = start;
                long compiledAtWindow = jit.getTotalCompilationTime();
                for (int round = 0; ; round++) {
                    FakeServer server = servers.get(round % servers.size());
                    Options rehearsal = base.with(protocol == Protocol.SMTP ? "smtp-port" : "pop3-port", server.port());
                    Outcome outcome = mode.run(rehearsal);
                    if (!outcome.clean()) {
                        throw new IllegalStateException("the load tool failed its rehearsal: " + outcome.results());
                    }
                    long now = System.nanoTime();
                    long windowMs = (now - windowStart) / 1_000_000;
                    if (windowMs >= 500 && (round + 1) % servers.size() == 0) { // every server in each window
                        long compiledMs = jit.getTotalCompilationTime() - compiledAtWindow;
                        boolean quiet = compiledMs * 10 < windowMs;
                        if ((quiet && now - start >= warmMs * 1_000_000L) || now > deadline) {
                            break;
                        }
                        windowStart = now;
                        compiledAtWindow = jit.getTotalCompilationTime();
                    }
                }
                return (System.nanoTime() - start) / 1e9;
            } finally {
                for (FakeServer s : servers) {
                    s.close();
                }
                System.gc(); // the rehearsal's garbage is not the measured run's
            }
        }

        /** A TLS server context with a self-signed certificate of {@code keyAlgorithm} (EC or RSA). */
        private static SSLContext serverContext(String keyAlgorithm) throws Exception {
            Path store = Path.of(System.getProperty("java.io.tmpdir"),
                    "mailbench-rehearsal-" + keyAlgorithm + "-" + System.getProperty("user.name") + ".p12");
            if (!Files.exists(store)) {
                Path made = Files.createTempFile(store.getParent(), "mailbench-rehearsal", ".p12");
                Files.delete(made);
                List<String> command = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                        "-alias", "rehearsal", "-keyalg", keyAlgorithm, "-dname", "CN=localhost", "-validity", "3650",
                        "-storetype", "PKCS12", "-keystore", made.toString(),
                        "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD)));
                command.addAll(keyAlgorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
                Process keytool = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                    keytool.destroyForcibly();
                    throw new IOException("keytool could not make " + made);
                }
                Files.move(made, store, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, STORE_PASSWORD);
            }
            javax.net.ssl.KeyManagerFactory kmf =
                    javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, STORE_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        }

        /**
         * A loopback server that answers just enough SMTP or POP3 for the load tool's clients: every
         * SMTP message taken, every POP3 mailbox holding {@link #MESSAGES_PER_BOX} messages of the
         * run's size (empty on the next login after a session that deleted them).
         */
        static final class FakeServer implements AutoCloseable {
            private final java.net.ServerSocket socket;
            private final Protocol protocol;
            private final byte[] stuffed;
            private final int octets;
            private final Map<String, Boolean> drained = new java.util.concurrent.ConcurrentHashMap<>();

            FakeServer(SSLContext tls, Protocol protocol, int size) throws IOException {
                java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
                this.socket = tls == null ? new java.net.ServerSocket(0, 100, loopback)
                        : tls.getServerSocketFactory().createServerSocket(0, 100, loopback);
                this.protocol = protocol;
                byte[] message = Message.bytes(1, size, "rehearsal@example.test");
                ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + message.length / 16 + 16);
                Message.writeDotStuffed(message, out);
                this.stuffed = out.toByteArray();
                this.octets = message.length;
                Thread.ofPlatform().daemon().name("rehearsal-accept").start(this::accept);
            }

            int port() {
                return socket.getLocalPort();
            }

            private void accept() {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                s.setTcpNoDelay(true);
                                InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
                                OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
                                if (protocol == Protocol.SMTP) {
                                    smtp(in, out);
                                } else {
                                    pop3(in, out);
                                }
                            } catch (IOException e) {
                                // the client went away; the rehearsal's own checks tell
                            }
                        });
                    } catch (IOException closed) {
                        return;
                    }
                }
            }

            private void smtp(InputStream in, OutputStream out) throws IOException {
                answer(out, "220 rehearsal ESMTP");
                while (true) {
                    String line = Lines.read(in);
                    String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
                    switch (verb) {
                        case "EHLO" -> answer(out, "250-rehearsal\r\n250 8BITMIME");
                        case "DATA" -> {
                            answer(out, "354 go on");
                            skipData(in);
                            answer(out, "250 taken");
                        }
                        case "QUIT" -> {
                            answer(out, "221 bye");
                            return;
                        }
                        default -> answer(out, "250 ok");
                    }
                }
            }

            /** Reads DATA's content up to and with its terminating CRLF.CRLF. */
            private static void skipData(InputStream in) throws IOException {
                byte[] end = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
                int matched = 2; // DATA's content starts at the beginning of a line
                while (matched < end.length) {
                    int b = in.read();
                    if (b < 0) {
                        throw new IOException("connection closed in DATA");
                    }
                    matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
                }
            }

            private void pop3(InputStream in, OutputStream out) throws IOException {
                answer(out, "+OK rehearsal");
                String user = "";
                int count = 0;
                boolean deleted = false;
                while (true) {
                    String line = Lines.read(in);
                    String[] words = line.split(" ");
                    switch (words[0].toUpperCase(Locale.ROOT)) {
                        case "USER" -> {
                            user = words.length > 1 ? words[1] : "";
                            answer(out, "+OK");
                        }
                        case "PASS" -> {
                            count = drained.remove(user) != null ? 0 : MESSAGES_PER_BOX;
                            answer(out, "+OK logged in");
                        }
                        case "STAT" -> answer(out, "+OK " + count + " " + (long) count * octets);
                        case "LIST", "UIDL" -> {
                            StringBuilder listing = new StringBuilder("+OK");
                            for (int n = 1; n <= count; n++) {
                                listing.append("\r\n").append(n).append(' ').append(words[0].equals("LIST") ? octets : "u" + n);
                            }
                            answer(out, listing.append("\r\n.").toString());
                        }
                        case "RETR" -> {
                            out.write(("+OK " + octets + " octets\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(stuffed);
                            out.flush();
                        }
                        case "DELE" -> {
                            deleted = true;
                            answer(out, "+OK deleted");
                        }
                        case "QUIT" -> {
                            if (deleted) {
                                drained.put(user, true);
                            }
                            answer(out, "+OK bye");
                            return;
                        }
                        default -> answer(out, "-ERR not rehearsed");
                    }
                }
            }

            private static void answer(OutputStream out, String reply) throws IOException {
                out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }

            @Override
            public void close() throws IOException {
                socket.close();
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

        Options with(String key, Object value) {
            Map<String, String> m = new LinkedHashMap<>(values);
            m.put(key, String.valueOf(value));
            return new Options(m);
        }

        Options without(String key) {
            Map<String, String> m = new LinkedHashMap<>(values);
            m.remove(key);
            return new Options(m);
        }

        boolean flag(String key) {
            return Boolean.parseBoolean(values.getOrDefault(key, "false"));
        }
    }
}
