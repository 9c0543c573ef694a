package org.postkontor.deploy.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Main;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.testing.Await;
import org.postkontor.store.testing.Dnsmasq;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.TestCertificates;

/**
 * The sending half under SIGKILL: the real appliance (a child JVM) takes submissions from two
 * clients over STARTTLS with AUTH and delivers them by MX (dnsmasq) to a Postkontor MX on
 * 127.0.0.4:25 in this JVM, and is killed at random moments, mid-submission and mid-delivery, then
 * started again. Every message a client got 250 for must reach the remote mailbox; duplicates
 * (a delivery the remote acknowledged but the kill kept from being recorded) are counted and stay
 * within one per delivery connection per kill, as SMTP allows no better.
 */
@Tag("crash")
class SendingCrashTest {

    private static final String PASSWORD = "crash-test-password";
    private static final Pattern ID = Pattern.compile("X-Crash-Id: (\\d+)");
    private static final int CYCLES = 6;

    @TempDir
    Path dir;

    @Test
    void killNineLosesNoAcknowledgedSubmissionAndDuplicatesLittle() throws Exception {
        Path data = dir.resolve("data");
        TestEnv.provision(data, List.of("alice@example.test"), PASSWORD);
        int submission = freePort();
        try (Dnsmasq dns = Dnsmasq.start(new Dnsmasq.Records().mx("remote.test", "mx.remote.test", 10)
                .a("mx.remote.test", "127.0.0.4"));
             TempStore remote = TempStore.create()) {
            remote.addUser("bob@remote.test", PASSWORD);
            SmtpServer mx = new SmtpServer(SmtpConfig.builder().bindAddress(InetAddress.getByName("127.0.0.4"))
                    .port(25).hostname("mx.remote.test").tempDir(dir).build(), remote.store().directory(),
                    remote.store().spool(), (e, r, in) -> { }, SmtpMetrics.NOOP, Clock.systemUTC(),
                    TestCertificates.selfSigned("mx.remote.test").serverContext());
            mx.start();
            Map<String, String> env = TestEnv.forDataDir(data);
            env.put("POSTKONTOR_SUBMISSION_PORT", String.valueOf(submission));
            env.put("POSTKONTOR_DNS_SERVERS", "127.0.0.1:" + dns.port());
            env.put("POSTKONTOR_QUEUE_RETRY_MIN", "1s");
            env.put("POSTKONTOR_QUEUE_RETRY_MAX", "2s");
            env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "0");
            env.put("POSTKONTOR_LOG_LEVEL", "WARN");
            env.put("POSTKONTOR_SERVER_HOSTNAME", "mail.example.test");
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp",
                    System.getProperty("java.class.path"), Main.class.getName(), "run");
            Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger next = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Random random = new Random(20261207L);
            Process p = TestEnv.child(cmd, env, dir.resolve("appliance.log")).start();
            List<Thread> senders = List.of(
                    Thread.ofPlatform().start(() -> submit(submission, next, acknowledged, stop)),
                    Thread.ofPlatform().start(() -> submit(submission, next, acknowledged, stop)));
            try {
                for (int i = 0; i < CYCLES; i++) {
                    awaitServing(p, submission);
                    Thread.sleep(800 + random.nextInt(1500));
                    p.toHandle().destroyForcibly(); // SIGKILL of exactly the process this test started
                    p.waitFor();
                    p = TestEnv.child(cmd, env, dir.resolve("appliance.log")).start();
                }
                awaitServing(p, submission);
                stop.set(true);
                for (Thread t : senders) {
                    t.join(60_000);
                }
                Map<Integer, Integer> received = new HashMap<>();
                Await.until(Duration.ofSeconds(120), "every acknowledged message at the remote MX", () -> {
                    received.clear();
                    received.putAll(receivedIds(remote));
                    return received.keySet().containsAll(acknowledged);
                });
                long duplicates = received.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
                System.out.println("sending crash test: kills=" + CYCLES + " acknowledged=" + acknowledged.size()
                        + " received=" + received.size() + " duplicates=" + duplicates + " lost=0");
                assertTrue(acknowledged.size() > CYCLES, "the clients got through: " + acknowledged.size());
                assertTrue(duplicates <= CYCLES * 2L, "duplicates " + duplicates + " > one per connection per kill");
                assertEquals(Set.of(), Set.copyOf(acknowledged.stream().filter(id -> !received.containsKey(id))
                        .toList()), "acknowledged but lost");
            } finally {
                stop.set(true);
                p.toHandle().destroyForcibly();
                p.waitFor();
                mx.stop(Duration.ofSeconds(1));
            }
        }
    }

    /** Submits messages until stopped; records the ids that got 250. */
    private static void submit(int port, AtomicInteger next, Set<Integer> acknowledged, AtomicBoolean stop) {
        while (!stop.get()) {
            AuthenticatingSMTPClient c = null;
            try {
                SSLContext ctx = TestCertificates.trustAllClientContext();
                c = new AuthenticatingSMTPClient(false, ctx);
                c.setConnectTimeout(5000);
                c.setDefaultTimeout(20_000);
                c.connect("127.0.0.1", port);
                c.ehlo("client.example");
                if (!c.execTLS()) {
                    continue;
                }
                c.ehlo("client.example");
                if (!c.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, "alice@example.test", PASSWORD)) {
                    continue;
                }
                for (int k = 0; k < 5 && !stop.get(); k++) {
                    int id = next.incrementAndGet();
                    if (!c.setSender("alice@example.test") || !c.addRecipient("bob@remote.test")) {
                        break;
                    }
                    Writer w = c.sendMessageData();
                    if (w == null) {
                        break;
                    }
                    w.write("From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: crash " + id
                            + "\r\nX-Crash-Id: " + id + "\r\n\r\n" + "line\r\n".repeat(50));
                    w.close();
                    if (c.completePendingCommand() && SMTPReply.isPositiveCompletion(c.getReplyCode())) {
                        acknowledged.add(id);
                    }
                }
                c.logout();
            } catch (Exception e) {
                // the appliance was killed: connect again
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                if (c != null) {
                    try {
                        c.disconnect();
                    } catch (Exception ignored) {
                        // closing
                    }
                }
            }
        }
    }

    private static Map<Integer, Integer> receivedIds(TempStore remote) {
        Map<Integer, Integer> out = new HashMap<>();
        try (Maildrop m = remote.store().maildrops().open(MailAddress.parse("bob@remote.test"))) {
            for (MaildropEntry e : m.listing()) {
                try (InputStream in = m.open(e)) {
                    Matcher x = ID.matcher(new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1));
                    if (x.find()) {
                        out.merge(Integer.parseInt(x.group(1)), 1, Integer::sum);
                    }
                }
            }
        } catch (Exception e) {
            return Map.of();
        }
        return out;
    }

    private static void awaitServing(Process p, int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the appliance exited with " + p.exitValue());
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                if (s.getInputStream().read() == '2') {
                    return;
                }
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the appliance did not serve within 60 s");
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
