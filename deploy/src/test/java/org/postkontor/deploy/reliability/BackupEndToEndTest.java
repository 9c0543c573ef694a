package org.postkontor.deploy.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.bench.Pop3Client;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.PostkontorCommand;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.BackupManifest;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TestCertificates;
import picocli.CommandLine;

/**
 * A backup taken as a user takes it ({@code postkontor admin backup DIR} against the running
 * appliance) while SMTP delivers to two mailboxes and POP3 drains one of them, restored with
 * {@code postkontor restore DIR --data-dir NEW}, and served by a second appliance on NEW: every
 * message acknowledged before the backup began is there byte for byte (but those a POP3 session
 * deleted before the backup was done: the backup may or may not show such a deletion), and so is
 * every account.
 */
class BackupEndToEndTest {

    private static final String PASSWORD = "backup test pw";

    @TempDir
    Path dir;

    private static Appliance start(Path data) throws Exception {
        return start(data, Map.of());
    }

    private static Appliance start(Path data, Map<String, String> more) throws Exception {
        Map<String, String> env = TestEnv.forDataDir(data);
        env.put("POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK", "true");
        env.putAll(more);
        return Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(), new PlainTestHasher());
    }

    private static int port(Appliance a, String name) {
        return a.address(name).orElseThrow().getPort();
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = PostkontorCommand.commandLine(args);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int code = cl.execute(args);
        assertEquals(0, code, String.join(" ", args) + ": " + out);
        return out.toString();
    }

    /** Every message in the mailbox, by its X-Crash-Id; each must be intact. */
    private static Set<Integer> ids(Appliance a, String user) throws Exception {
        Set<Integer> ids = new HashSet<>();
        try (Pop3Client pop = new Pop3Client("127.0.0.1", port(a, "pop3s"),
                TestCertificates.trustAllClientContext().getSocketFactory(), Duration.ofSeconds(30))) {
            assertTrue(pop.login(user, PASSWORD), "login of " + user);
            int n = pop.stat();
            for (int i = 1; i <= n; i++) {
                byte[] m = pop.retr(i);
                assertTrue(CrashDriver.Messages.intact(m), "message " + i + " of " + user + " is whole");
                ids.add(CrashDriver.Messages.id(m));
            }
            pop.ok("QUIT");
        }
        return ids;
    }

    @Test
    void aBackupTakenUnderLoadServesEveryMessageAndAccountFromBeforeItAfterARestore() throws Exception {
        Path data = dir.resolve("data");
        Appliance first = start(data);
        Map<String, Set<Integer>> ackedBefore = new ConcurrentHashMap<>();
        Set<Integer> deletedMeanwhile = ConcurrentHashMap.newKeySet();
        Path backup = dir.resolve("backup");
        try {
            first.store().admin().addDomain("example.test");
            for (String u : List.of("alice@example.test", "bob@example.test")) {
                first.store().admin().addUser(MailAddress.parse(u), PASSWORD.toCharArray(), new Quota(0, 0));
            }
            first.store().admin().addAlias(MailAddress.parse("team@example.test"),
                    List.of(MailAddress.parse("alice@example.test")));
            first.store().admin().setQuota(MailAddress.parse("bob@example.test"), new Quota(50_000_000, 0));
            int smtp = port(first, "smtp");

            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean backupBegun = new AtomicBoolean();
            AtomicBoolean backupDone = new AtomicBoolean();
            AtomicInteger nextId = new AtomicInteger();
            List<Thread> load = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                load.add(Thread.ofVirtual().start(() -> {
                    try (CrashDriver.Smtp client = new CrashDriver.Smtp(smtp)) {
                        while (!stop.get()) {
                            int id = nextId.incrementAndGet();
                            String rcpt = id % 2 == 0 ? "alice@example.test" : "bob@example.test";
                            boolean sent = client.send(rcpt, CrashDriver.Messages.bytes(id, 1000 + id % 5000, rcpt));
                            if (sent && !backupBegun.get()) { // its 250 came before the backup began
                                ackedBefore.computeIfAbsent(rcpt, k -> ConcurrentHashMap.newKeySet()).add(id);
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            load.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try (Pop3Client pop = new Pop3Client("127.0.0.1", port(first, "pop3s"),
                            TestCertificates.trustAllClientContext().getSocketFactory(), Duration.ofSeconds(30))) {
                        if (!pop.login("bob@example.test", PASSWORD)) {
                            continue;
                        }
                        int n = pop.stat();
                        List<Integer> seen = new ArrayList<>();
                        for (int i = 1; i <= n; i++) {
                            seen.add(CrashDriver.Messages.id(pop.retr(i)));
                            pop.ok("DELE " + i);
                        }
                        if (!backupDone.get()) {
                            deletedMeanwhile.addAll(seen); // QUIT sent before the backup was done
                        }
                        pop.ok("QUIT");
                        Thread.sleep(20);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
            Thread.sleep(1500);
            backupBegun.set(true);
            String said = cli("admin", "--data-dir", data.toString(), "--api", "http://127.0.0.1:" + port(first, "admin"),
                    "backup", backup.toString());
            backupDone.set(true);
            assertTrue(said.contains("backup written to " + backup), said);
            Thread.sleep(500);
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(60));
            }
        } finally {
            first.close();
        }
        assertTrue(ackedBefore.getOrDefault("alice@example.test", Set.of()).size() > 10, "mail flowed: " + ackedBefore);
        assertTrue(Files.isRegularFile(backup.resolve("postkontor-backup.properties")), "complete");

        Path restored = dir.resolve("restored");
        String said = cli("restore", backup.toString(), "--data-dir", restored.toString());
        assertTrue(said.contains("restored the backup"), said);
        Appliance second = start(restored);
        try {
            assertEquals(List.of("alice@example.test", "bob@example.test"),
                    second.store().admin().users(Optional.empty()).stream().map(a -> a.address().toString()).toList());
            assertEquals(50_000_000, second.store().admin().user(MailAddress.parse("bob@example.test"))
                    .orElseThrow().quotaBytes());
            assertEquals(1, second.store().admin().aliases(Optional.empty()).size());
            Set<Integer> alice = ids(second, "alice@example.test");
            assertTrue(alice.containsAll(ackedBefore.get("alice@example.test")),
                    "every message to alice acknowledged before the backup began");
            Set<Integer> bobExpected = new HashSet<>(ackedBefore.getOrDefault("bob@example.test", Set.of()));
            bobExpected.removeAll(deletedMeanwhile);
            assertTrue(ids(second, "bob@example.test").containsAll(bobExpected),
                    "every message to bob acknowledged before the backup and not deleted before it was done");
        } finally {
            second.close();
        }
    }

    @Test
    void statusAndDashboardNameTheNewestCompleteScheduledBackup() throws Exception {
        Path data = dir.resolve("data");
        Path scheduled = dir.resolve("scheduled");
        Map<String, String> env = Map.of("POSTKONTOR_BACKUP_DIR", scheduled.toString());
        Path one = scheduled.resolve("postkontor-20261201T030000Z");
        Appliance first = start(data, env);
        try {
            String api = "http://127.0.0.1:" + port(first, "admin");
            String status = cli("admin", "--data-dir", data.toString(), "--api", api, "status");
            assertTrue(status.contains("none yet"), status);
            cli("admin", "--data-dir", data.toString(), "--api", api, "backup", one.toString());
        } finally {
            first.close();
        }
        // the schedule finds the newest complete backup in its directory at the start
        Appliance second = start(data, env);
        try {
            String api = "http://127.0.0.1:" + port(second, "admin");
            String status = cli("admin", "--data-dir", data.toString(), "--api", api, "status");
            assertTrue(status.contains(BackupManifest.read(one).finished().toString()), status);
        } finally {
            second.close();
        }
        String offline = cli("admin", "--data-dir", data.toString(), "status");
        assertTrue(offline.contains("none scheduled"), "the CLI alone runs no schedule: " + offline);
    }
}
