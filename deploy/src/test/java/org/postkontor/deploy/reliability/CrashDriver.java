package org.postkontor.deploy.reliability;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.postkontor.store.testing.TestCertificates;

/**
 * Drives the real appliance (a child process) under mixed SMTP + POP3 load, kills it with SIGKILL
 * at random moments, restarts it, and keeps a {@link CrashLedger}. Used by {@code ApplianceCrashTest}
 * (short, in the suite) and runnable as a main for the long version (see RELIABILITY.md).
 */
public final class CrashDriver {

    /** Starts the appliance process on the ports this driver was given. */
    @FunctionalInterface
    public interface Launcher {
        Process start() throws IOException;
    }

    public record Result(List<String> violations, String summary, List<Duration> restartTimes, int cycles) {}

    private final Launcher launcher;
    private final int smtpPort;
    private final int pop3sPort;
    private final List<String> users;
    private final String password;
    private final Random random;
    private final CrashLedger ledger = new CrashLedger();
    private final AtomicInteger nextId = new AtomicInteger();

    public CrashDriver(Launcher launcher, int smtpPort, int pop3sPort, List<String> users, String password, long seed) {
        this.launcher = launcher;
        this.smtpPort = smtpPort;
        this.pop3sPort = pop3sPort;
        this.users = List.copyOf(users);
        this.password = password;
        this.random = new Random(seed);
    }

    /** Runs {@code cycles} kill/restart cycles, then a final clean drain. */
    public Result run(int cycles, int senders, int drainers) throws Exception {
        List<Duration> restarts = new ArrayList<>();
        for (int cycle = 0; cycle < cycles; cycle++) {
            Process p = launcher.start();
            try {
                restarts.add(awaitServing(p, Duration.ofSeconds(60)));
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> load = new ArrayList<>();
                for (int i = 0; i < senders; i++) {
                    load.add(Thread.ofVirtual().start(() -> sendUntil(stop)));
                }
                for (int i = 0; i < drainers; i++) {
                    long seed = random.nextLong();
                    load.add(Thread.ofVirtual().start(() -> drainUntil(stop, new Random(seed))));
                }
                Thread.sleep(1500 + random.nextInt(3000));
                p.destroyForcibly(); // SIGKILL of exactly the process this driver started
                p.waitFor();
                stop.set(true);
                for (Thread t : load) {
                    t.join(Duration.ofSeconds(150));
                }
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
        }
        Process p = launcher.start();
        Set<Integer> present;
        try {
            restarts.add(awaitServing(p, Duration.ofSeconds(60)));
            present = finalInventory();
        } finally {
            p.destroy();
            p.waitFor();
        }
        return new Result(ledger.check(present), ledger.summary(present), restarts, cycles);
    }

    private Duration awaitServing(Process p, Duration limit) throws Exception {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the appliance exited with " + p.exitValue() + " at start");
            }
            try (Smtp s = new Smtp(smtpPort); Pop3 q = new Pop3(pop3sPort)) {
                return Duration.ofNanos(System.nanoTime() - start);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the appliance did not serve within " + limit);
    }

    private void sendUntil(AtomicBoolean stop) {
        while (!stop.get()) {
            try (Smtp smtp = new Smtp(smtpPort)) {
                while (!stop.get()) {
                    int id = nextId.getAndIncrement();
                    String rcpt = users.get(id % users.size());
                    if (smtp.send(rcpt, Messages.bytes(id, 2048 + (id % 7) * 1500, rcpt))) {
                        ledger.acknowledged(id);
                    }
                }
            } catch (IOException e) {
                pause(100);
            }
        }
    }

    private void drainUntil(AtomicBoolean stop, Random r) {
        while (!stop.get()) {
            String user = users.get(r.nextInt(users.size()));
            Set<Integer> deleted = new HashSet<>();
            boolean quitSent = false;
            try (Pop3 pop = new Pop3(pop3sPort)) {
                if (!pop.login(user, password)) {
                    pause(50); // in use by the other drainer, or not serving yet
                    continue;
                }
                int count = pop.stat();
                for (int n = 1; n <= count && !stop.get(); n++) {
                    int id = record(pop.retr(n));
                    if (r.nextInt(4) != 0) { // leave some mail in place across crashes
                        pop.ok("DELE " + n);
                        if (id >= 0) {
                            deleted.add(id);
                        }
                    }
                }
                quitSent = true;
                pop.ok("QUIT");
                ledger.removed(deleted);
            } catch (IOException e) {
                if (quitSent) {
                    ledger.inDoubt(deleted);
                }
                pause(100);
            }
        }
    }

    private Set<Integer> finalInventory() throws IOException {
        Set<Integer> present = new HashSet<>();
        for (String user : users) {
            try (Pop3 pop = new Pop3(pop3sPort)) {
                if (!pop.login(user, password)) {
                    throw new IOException("cannot log in as " + user + " after the last restart");
                }
                int count = pop.stat();
                for (int n = 1; n <= count; n++) {
                    int id = record(pop.retr(n));
                    if (id >= 0) {
                        present.add(id);
                    }
                }
                pop.ok("QUIT");
            }
        }
        return present;
    }

    private int record(byte[] message) {
        int id = Messages.id(message);
        if (id < 0) {
            ledger.unknown(new String(message, 0, Math.min(80, message.length), StandardCharsets.ISO_8859_1));
        } else {
            ledger.retrieved(id, Messages.intact(message));
        }
        return id;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deterministic messages: bytes are a function of (id, size, recipient), named in headers. */
    static final class Messages {
        static byte[] bytes(int id, int size, String rcpt) {
            String head = "From: <crash@sender.test>\r\nTo: <" + rcpt + ">\r\nSubject: crash " + id
                    + "\r\nMessage-ID: <" + id + ".crash@sender.test>\r\nX-Crash-Id: " + id + "\r\nX-Crash-Size: "
                    + size + "\r\nX-Crash-Rcpt: " + rcpt + "\r\n\r\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream(size + 256);
            out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
            SplittableRandom r = new SplittableRandom(id);
            int col = 0;
            for (int i = 0; i < size; i++) {
                if (col == 70) {
                    out.writeBytes(new byte[] {'\r', '\n'});
                    col = 0;
                } else {
                    out.write(col == 0 && r.nextInt(10) == 0 ? '.' : 33 + r.nextInt(90));
                    col++;
                }
            }
            out.writeBytes(new byte[] {'\r', '\n'});
            return out.toByteArray();
        }

        static int id(byte[] message) {
            String v = header(message, "X-Crash-Id");
            return v == null ? -1 : Integer.parseInt(v);
        }

        static boolean intact(byte[] got) {
            String id = header(got, "X-Crash-Id");
            String size = header(got, "X-Crash-Size");
            String rcpt = header(got, "X-Crash-Rcpt");
            if (id == null || size == null || rcpt == null) {
                return false;
            }
            byte[] sent = bytes(Integer.parseInt(id), Integer.parseInt(size), rcpt);
            return got.length >= sent.length
                    && Arrays.equals(got, got.length - sent.length, got.length, sent, 0, sent.length);
        }

        private static String header(byte[] message, String name) {
            String head = new String(message, 0, Math.min(message.length, 4096), StandardCharsets.ISO_8859_1);
            int i = head.indexOf("\r\n" + name + ": ");
            if (i < 0) {
                return null;
            }
            int start = i + name.length() + 4;
            int end = head.indexOf("\r\n", start);
            return end < 0 ? null : head.substring(start, end);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            if (sb.length() > 4096) {
                throw new IOException("line too long");
            }
            sb.append((char) b);
        }
        throw new IOException("connection closed");
    }

    /** A minimal SMTP client: one transaction per message, no pipelining. */
    static final class Smtp implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Smtp(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
            expect(reply(), '2');
            expect(command("EHLO crash.sender.test"), '2');
        }

        boolean send(String rcpt, byte[] message) throws IOException {
            if (command("MAIL FROM:<crash@sender.test>").charAt(0) != '2'
                    || command("RCPT TO:<" + rcpt + ">").charAt(0) != '2') {
                command("RSET");
                return false;
            }
            expect(command("DATA"), '3');
            int lineStart = 0;
            for (int i = 0; i < message.length; i++) {
                if (i == lineStart && message[i] == '.') {
                    out.write('.');
                }
                out.write(message[i]);
                if (message[i] == '\n') {
                    lineStart = i + 1;
                }
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply().charAt(0) == '2';
        }

        private String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply();
        }

        private String reply() throws IOException {
            String line;
            do {
                line = readLine(in);
                if (line.length() < 3) {
                    throw new IOException("bad reply");
                }
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        private static void expect(String reply, char first) throws IOException {
            if (reply.charAt(0) != first) {
                throw new IOException("unexpected reply " + reply);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A minimal POP3 client over implicit TLS. */
    static final class Pop3 implements AutoCloseable {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;

        Pop3(int port) throws IOException {
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket = (SSLSocket) TestCertificates.trustAllClientContext().getSocketFactory()
                    .createSocket(plain, "127.0.0.1", port, true);
            socket.setSoTimeout(60_000);
            socket.startHandshake();
            in = new BufferedInputStream(socket.getInputStream(), 65536);
            out = new BufferedOutputStream(socket.getOutputStream());
            if (!readLine(in).startsWith("+OK")) {
                throw new IOException("no POP3 greeting");
            }
        }

        /** False if the login was refused (wrong password or maildrop in use). */
        boolean login(String user, String password) throws IOException {
            return send("USER " + user).startsWith("+OK") && send("PASS " + password).startsWith("+OK");
        }

        int stat() throws IOException {
            return Integer.parseInt(ok("STAT").split(" ")[1]);
        }

        String ok(String command) throws IOException {
            String line = send(command);
            if (!line.startsWith("+OK")) {
                throw new IOException(command.split(" ")[0] + " answered " + line);
            }
            return line;
        }

        private String send(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readLine(in);
        }

        byte[] retr(int n) throws IOException {
            ok("RETR " + n);
            ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
            ByteArrayOutputStream line = new ByteArrayOutputStream(128);
            while (true) {
                line.reset();
                int b;
                while ((b = in.read()) != -1) {
                    line.write(b);
                    if (b == '\n') {
                        break;
                    }
                }
                if (b == -1) {
                    throw new IOException("closed in RETR");
                }
                byte[] l = line.toByteArray();
                if (l.length == 3 && l[0] == '.' && l[1] == '\r') {
                    return body.toByteArray();
                }
                int from = l.length > 0 && l[0] == '.' ? 1 : 0;
                body.write(l, from, l.length - from);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
