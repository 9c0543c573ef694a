package org.postkontor.deploy.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.Main;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;

/**
 * The appliance as its own process ({@code java ... org.postkontor.deploy.Main run}): it writes its
 * PID file, and on SIGTERM stops, lets the grace period pass for a POP3 session that marked a
 * message deleted but never sent QUIT, deletes nothing for it, removes the PID file and exits 0.
 */
class SigtermProcessTest {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsGracefullyExitsZeroAndDeletesNothingWithoutQuit() throws Exception {
        Path data = dir.resolve("data");
        MailAddress alice = MailAddress.parse("alice@example.test");
        StoreConfig sc = new StoreConfig(data.resolve("spool"), data.resolve("index"), data.resolve("badmail"), 0);
        try (Store store = EmbeddedStore.open(sc, Appliance.defaultHasher(), Clock.systemUTC(), StoreMetrics.NOOP)) {
            store.admin().addDomain("example.test");
            store.admin().addUser(alice, "pw".toCharArray(), Quota.NONE);
            store.spool().deliver(List.of(alice), new ByteArrayInputStream(
                    "Subject: keep me\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
        }

        Map<String, String> env = TestEnv.forDataDir(data);
        env.put("POSTKONTOR_SHUTDOWN_GRACE_PERIOD", "2s");
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "0");
        env.put("POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK", "true");
        env.put("POSTKONTOR_LOG_FORMAT", "kv");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "run");
        Path log = dir.resolve("child.log");
        Process p = TestEnv.child(cmd, env, log).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            // Follows the child's log file (a file, not a pipe: nothing the child writes can block on us).
            int seen = 0;
            try {
                while (true) {
                    List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of();
                    for (int i = seen; i < all.size(); i++) {
                        lines.add(all.get(i));
                    }
                    seen = all.size();
                    if (!p.isAlive()) {
                        List<String> last = Files.readAllLines(log);
                        for (int i = seen; i < last.size(); i++) {
                            lines.add(last.get(i));
                        }
                        return;
                    }
                    Thread.sleep(100);
                }
            } catch (java.io.IOException | InterruptedException e) {
                // give up following
            }
        });
        try {
            int pop3 = awaitPort(lines, "pop3 ", p);
            Path pidFile = data.resolve("postkontor.pid");
            assertEquals(String.valueOf(p.pid()), Files.readString(pidFile).trim());

            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), pop3)) {
                s.setSoTimeout(60_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                assertTrue(in.readLine().startsWith("+OK"));
                for (String c : List.of("USER alice@example.test", "PASS pw", "DELE 1")) {
                    out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String reply = in.readLine();
                    assertTrue(reply.startsWith("+OK"), c + " -> " + reply);
                }
                p.destroy(); // SIGTERM; the session never sends QUIT
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not stop:\n" + String.join("\n", lines));
            }
            reader.join(30_000);
            assertEquals(0, p.exitValue(), String.join("\n", lines));
            assertFalse(Files.exists(pidFile), "PID file removed on a clean exit");
            assertTrue(lines.stream().anyMatch(l -> l.contains("event=signal name=SIGTERM")), String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.contains("event=stopped")), String.join("\n", lines));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }

        try (Store store = EmbeddedStore.open(sc, Appliance.defaultHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
             Maildrop drop = store.maildrops().open(alice)) {
            assertEquals(1, drop.listing().size(), "DELE without QUIT deleted nothing");
        }
    }

    private static int awaitPort(List<String> lines, String listener, Process p) throws InterruptedException {
        Pattern port = Pattern.compile("summary: " + Pattern.quote(listener) + "\\s*127\\.0\\.0\\.1:(\\d+)");
        for (int i = 0; i < 1200; i++) {
            for (String l : new ArrayList<>(lines)) {
                Matcher m = port.matcher(l);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + listener + "port in the start-up summary:\n" + String.join("\n", lines));
    }
}
