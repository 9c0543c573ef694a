package org.postkontor.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.internal.mail.RemovalLog;
import org.postkontor.store.internal.mail.SpoolLoader;
import org.postkontor.store.testing.RecordingMetrics;
import org.postkontor.store.testing.Users;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Store;
import org.postkontor.store.testing.TempStore;
import org.slf4j.LoggerFactory;

/**
 * Real processes, real SIGKILL: a child JVM ({@link CrashChild}) delivers from 8 threads into a
 * real data directory and expunges now and then; this test kills it at a random moment
 * ({@link Process#destroyForcibly()} is SIGKILL on Linux; only that PID), reopens the store,
 * and checks what a mail admin would:
 * <ul>
 *   <li>every delivery the child saw acknowledged is listed in each of its mailboxes, byte-exact
 *       (SHA-256 of the stored bytes, exact octet count);</li>
 *   <li>every listed entry is whole (its last line carries the SHA-256 of the rest);</li>
 *   <li>a UIDL once seen keeps its message across restarts; acknowledged expunges stay done,
 *       and an expunge cut off is all or nothing;</li>
 *   <li>reconciliation cleared tmp/, counted what the kill cut off, re-indexed every body without
 *       rows from its header record (none quarantined), and never found an indexed body
 *       missing.</li>
 * </ul>
 */
class CrashTest {

    private static final int ROUNDS = 20;
    private static final List<String> BOXES = List.of("alice@example.test", "bob@example.test", "carol@example.test");

    @TempDir
    Path dir;

    private record Ack(String queueId, List<String> mailboxes, String sha256, long octets) {}

    /** A running child with its stdout read by a thread. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader;

        private final Path journal;

        Child(Path dataDir, Path log, String... args) throws IOException {
            this(dataDir, log, null, args);
        }

        /** @param journal where the child writes its ACK / EXPUNGING / EXPUNGED lines (see {@link CrashChild.Journal}) */
        Child(Path dataDir, Path log, Path journal, String... args) throws IOException {
            this.journal = journal;
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElseThrow());
            if (journal != null) {
                cmd.add("-Dcrash.journal=" + journal);
            }
            cmd.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), CrashChild.class.getName()));
            cmd.addAll(Arrays.asList(args));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            InputStream out = process.getInputStream();
            reader = Thread.ofPlatform().daemon(true).start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.US_ASCII))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process died
                }
            });
        }

        String await(String prefix, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && l.startsWith(prefix)) {
                    return l;
                }
                if (l == null && !process.isAlive() && lines.isEmpty()) {
                    return null;
                }
            }
            return null;
        }

        /** SIGKILL, then every whole line the child wrote to its journal before it died. */
        List<String> kill() throws InterruptedException, IOException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("child did not die");
            }
            if (journal == null || !Files.exists(journal)) {
                return List.of();
            }
            String text = Files.readString(journal, StandardCharsets.US_ASCII);
            // a line cut off by the kill has no line end: drop it
            return List.of(text.substring(0, text.lastIndexOf('\n') + 1).split("\n"));
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /**
     * Tagged {@code crash} so that the SIGKILL tests can be run alone:
     * {@code ./run-tests -pl store,deploy -am -Dgroups=crash}. Part of the gating suite.
     */
    @Tag("crash")
    @Test
    void sigkillAtRandomMomentsLosesNothingAcknowledged() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("child.log");
        try (TempStore t = TempStore.open(data, Clock.systemUTC(), new RecordingMetrics())) {
            for (String b : BOXES) {
                Users.add(t.store(), b);
            }
        }
        Random random = new Random();
        Map<String, Ack> acked = new HashMap<>();
        Set<String> expunged = new HashSet<>();
        Map<String, String> shaByUidl = new HashMap<>();
        Map<String, String> history = new HashMap<>(); // uidl -> what the child said about it, for failures
        List<String> allExpunging = new ArrayList<>();
        int cutOff = 0;
        int quarantined = 0;
        int reindexed = 0;
        int totalAcks = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<String> lines;
            String[] args = Stream.concat(Stream.of("deliver", data.toString(), Long.toString(random.nextLong())),
                    BOXES.stream()).toArray(String[]::new);
            try (Child child = new Child(data, log, dir.resolve("journal-" + round), args)) {
                assertNotNull(child.await("READY", 60), "child started; see " + log + ": " + tail(log));
                assertNotNull(child.await("ACK", 60), "child acknowledged a delivery; see " + tail(log));
                Thread.sleep(random.nextInt(400));
                lines = child.kill();
            }
            List<String> pendingExpunge = new ArrayList<>();
            for (String l : lines) {
                String[] f = l.split(" ");
                switch (f[0]) {
                    case "ACK" -> {
                        history.merge(f[1], "acked in round " + round + " to " + f[2], (x, y) -> x + "; " + y);
                        acked.put(f[1], new Ack(f[1], List.of(f[2].split(",")), f[3], Long.parseLong(f[4])));
                        totalAcks++;
                    }
                    case "EXPUNGING" -> {
                        allExpunging.add("round " + round + ": " + l);
                        pendingExpunge.add(f[1] + " " + f[2]);
                        for (String u : f[2].split(",")) {
                            history.merge(u, "expunging in round " + round, (x, y) -> x + "; " + y);
                        }
                    }
                    case "EXPUNGED" -> {
                        pendingExpunge.remove(f[1] + " " + f[2]);
                        for (String u : f[2].split(",")) {
                            expunged.add(f[1] + " " + u);
                        }
                    }
                    default -> { }
                }
            }
            RecordingMetrics metrics = new RecordingMetrics();
            try (TempStore t = TempStore.open(data, Clock.systemUTC(), metrics)) {
                // a delivery cut off after its move into msg/ is indexed from its body's header
                // record (it may be listed although never acknowledged: a possible duplicate,
                // allowed); every body carries a record, so none is quarantined
                cutOff += metrics.reconciled(SpoolLoader.TMP_FILE);
                reindexed += metrics.reconciled(SpoolLoader.READ_BODY);
                quarantined += metrics.reconciled(SpoolLoader.ORPHAN_BODY);
                assertEquals(0, metrics.reconciled(SpoolLoader.ORPHAN_BODY), "a body without a valid record");
                try (Stream<Path> s = Files.list(t.config().spoolDir().resolve("tmp"))) {
                    assertEquals(0, s.count(), "tmp/ cleared");
                }
                Map<String, Map<String, MaildropEntry>> listed = verifyListings(t.store(), shaByUidl);
                // expunges: acknowledged ones stay done; a cut-off one is all or nothing
                for (String e : expunged) {
                    String[] f = e.split(" ");
                    assertTrue(!listed.get(f[0]).containsKey(f[1]), "expunged entry came back: " + e);
                }
                for (String p : pendingExpunge) {
                    String[] f = p.split(" ");
                    long present = Arrays.stream(f[1].split(",")).filter(listed.get(f[0])::containsKey).count();
                    assertTrue(present == 0 || present == f[1].split(",").length, "half an expunge: " + p);
                    if (present == 0) {
                        for (String u : f[1].split(",")) {
                            expunged.add(f[0] + " " + u);
                        }
                    }
                }
                for (Ack a : acked.values()) {
                    for (String box : a.mailboxes()) {
                        if (expunged.contains(box + " " + a.queueId())) {
                            continue;
                        }
                        MaildropEntry e = listed.get(box).get(a.queueId());
                        if (e == null) {
                            List<String> elsewhere = new ArrayList<>();
                            listed.forEach((b, m) -> {
                                if (m.containsKey(a.queueId())) {
                                    elsewhere.add(b);
                                }
                            });
                            fail("acknowledged delivery " + a.queueId() + " missing from " + box + " after round "
                                    + round + "; still listed in " + elsewhere + "; history: "
                                    + history.get(a.queueId()) + "; removal log: " + removalLines(data, a.queueId()) + "; expunges: "
                                    + allExpunging);
                        }
                        assertEquals(deliveredTo(box).length + a.octets(), e.octets());
                        assertEquals(a.sha256(), shaByUidl.get(box + " " + a.queueId()));
                    }
                }
            }
        }
        LoggerFactory.getLogger(CrashTest.class).info(
                "{} kills: {} deliveries acknowledged, {} acknowledged expunges, {} deliveries cut off"
                        + " (tmp files), {} bodies read from their files at starts, {} quarantined", ROUNDS,
                totalAcks, expunged.size(), cutOff, reindexed, quarantined);
        assertTrue(totalAcks >= ROUNDS, "deliveries were acknowledged: " + totalAcks);
        assertTrue(cutOff > 0, "at least one kill cut a delivery off");
        try (Stream<Path> s = Files.list(data.resolve("spool").resolve("quarantine"))) {
            assertEquals(quarantined, s.count(), "quarantine holds what reconciliation counted");
        } catch (java.nio.file.NoSuchFileException e) {
            assertEquals(0, quarantined);
        }
    }

    /**
     * Opens every maildrop, reads every entry, checks it is whole and that a UIDL seen before still
     * names the same bytes. Returns mailbox → uidl → entry.
     */
    private static Map<String, Map<String, MaildropEntry>> verifyListings(Store store, Map<String, String> shaByUidl)
            throws Exception {
        Map<String, Map<String, MaildropEntry>> result = new HashMap<>();
        for (String box : BOXES) {
            Map<String, MaildropEntry> byUidl = new HashMap<>();
            byte[] header = deliveredTo(box);
            try (Maildrop m = store.maildrops().open(MailAddress.parse(box))) {
                for (MaildropEntry e : m.listing()) {
                    byte[] all;
                    try (InputStream in = m.open(e)) {
                        all = in.readAllBytes();
                    }
                    assertEquals(e.octets(), all.length, "octets of " + e.uidl());
                    assertTrue(Arrays.equals(header, 0, header.length, all, 0, header.length));
                    byte[] stored = Arrays.copyOfRange(all, header.length, all.length);
                    if (!CrashChild.Message.selfCheckHolds(stored)) {
                        fail("half-written or damaged entry listed: " + e.uidl() + " in " + box);
                    }
                    String sha = CrashChild.Message.hex(stored);
                    String before = shaByUidl.putIfAbsent(box + " " + e.uidl(), sha);
                    if (before != null) {
                        assertEquals(before, sha, "UIDL " + e.uidl() + " now names other bytes");
                    }
                    byUidl.put(e.uidl(), e);
                }
            }
            result.put(box, byUidl);
        }
        return result;
    }

    @Test
    void maildropLockHeldByAKilledProcessIsRecovered() throws Exception {
        Path data = dir.resolve("lock");
        Path log = dir.resolve("hold.log");
        try (TempStore t = TempStore.open(data, Clock.systemUTC(), new RecordingMetrics())) {
            Users.add(t.store(), "alice@example.test");
        }
        try (Child child = new Child(data, log, "hold", data.toString(), "alice@example.test")) {
            assertNotNull(child.await("LOCKED", 60), "child took the lock; see " + tail(log));
            child.kill();
        }
        RecordingMetrics metrics = new RecordingMetrics();
        try (TempStore t = TempStore.open(data, Clock.systemUTC(), metrics)) {
            try (Maildrop m = t.store().maildrops().open(MailAddress.parse("alice@example.test"))) {
                assertEquals(1, m.listing().size(), "the message delivered while the lock was held");
            }
        }
    }

    /** The line each entry of {@code box} is served with before the stored bytes. */
    private static byte[] deliveredTo(String box) {
        return ("Delivered-To: " + box + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String removalLines(Path data, String queueId) {
        try {
            return Files.readAllLines(data.resolve("spool").resolve(RemovalLog.FILE)).stream()
                    .filter(l -> l.contains(queueId)).toList().toString();
        } catch (IOException e) {
            return "(none: " + e + ")";
        }
    }

    private static String tail(Path log) {
        try {
            List<String> l = Files.readAllLines(log);
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
