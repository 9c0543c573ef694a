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
import org.postkontor.bench.Lines;
import org.postkontor.bench.Pop3Client;
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

    /** One node of a cluster behind a load balancer: starts its process, and says when it is ready. */
    public interface Node {
        Process start() throws IOException;

        boolean ready();
    }

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

    /**
     * The cluster version: every node started, load through the balancer (this driver's ports)
     * without a pause, and in each of {@code cycles} cycles one node (in turn) SIGKILLed at a random
     * moment and started again, the next kill only once it is ready; then the final inventory
     * through the balancer. The restart times are the killed nodes' times to ready.
     */
    public Result runRolling(List<Node> nodes, int cycles, int senders, int drainers) throws Exception {
        List<Process> procs = new ArrayList<>();
        List<Duration> restarts = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        try {
            for (Node n : nodes) {
                procs.add(n.start());
            }
            for (int i = 0; i < nodes.size(); i++) {
                awaitReady(nodes.get(i), procs.get(i), Duration.ofSeconds(90));
            }
            for (int i = 0; i < senders; i++) {
                load.add(Thread.ofVirtual().start(() -> sendUntil(stop)));
            }
            for (int i = 0; i < drainers; i++) {
                long seed = random.nextLong();
                load.add(Thread.ofVirtual().start(() -> drainUntil(stop, new Random(seed))));
            }
            for (int cycle = 0; cycle < cycles; cycle++) {
                Thread.sleep(1500 + random.nextInt(3000));
                int k = cycle % nodes.size();
                procs.get(k).destroyForcibly(); // SIGKILL of exactly the process this driver started
                procs.get(k).waitFor();
                procs.set(k, nodes.get(k).start());
                restarts.add(awaitReady(nodes.get(k), procs.get(k), Duration.ofSeconds(90)));
            }
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(150));
            }
            Set<Integer> present = finalInventory();
            return new Result(ledger.check(present), ledger.summary(present), restarts, cycles);
        } finally {
            stop.set(true);
            for (Process p : procs) {
                p.destroy();
            }
            for (Process p : procs) {
                p.waitFor();
            }
        }
    }

    private static Duration awaitReady(Node node, Process p, Duration limit) throws Exception {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("a node exited with " + p.exitValue() + " at start");
            }
            if (node.ready()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("a node was not ready within " + limit);
    }

    private Duration awaitServing(Process p, Duration limit) throws Exception {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the appliance exited with " + p.exitValue() + " at start");
            }
            try (Smtp s = new Smtp(smtpPort); Pop3Client q = pop3s()) {
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
            try (Pop3Client pop = pop3s()) {
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
            try (Pop3Client pop = pop3s()) {
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

    /** A POP3 session over implicit TLS (the appliance's self-signed certificate is taken as it is). */
    private Pop3Client pop3s() throws IOException {
        return new Pop3Client("127.0.0.1", pop3sPort, TestCertificates.trustAllClientContext().getSocketFactory(),
                Duration.ofSeconds(60));
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
                line = Lines.read(in);
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
}
