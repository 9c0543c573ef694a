package org.postkontor.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.testing.RecordingMetrics;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.testing.ChildJvm;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * Real processes, real SIGKILL, for the badmail queue's storage: a child JVM
 * ({@link BadmailCrashChild}) puts and removes items from 4 threads; this test kills it (only
 * that PID) at a random moment, reopens the real store (which reconciles badmail), and checks:
 * every put the child saw return is listed and byte-exact (re-indexed from its files if the index
 * lost its rows), unless its remove was called (then it is gone, or listed and byte-exact); a
 * remove that returned stays done; every
 * listed item opens to exactly its octets; tmp/ is empty; items/ holds exactly the listed files.
 */
class BadmailCrashTest {

    private static final int ROUNDS = 8;

    @TempDir
    Path dir;

    private record Ack(String sha256, long octets) {}

    @Test
    void sigkillDuringPutsAndRemovesLosesNothingAcknowledged() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("child.log");
        Random random = new Random();
        Map<String, Ack> acked = new HashMap<>();
        Set<String> removing = new HashSet<>();
        Set<String> removed = new HashSet<>();
        int cutOff = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<String> lines = runAndKill(data, log, random);
            for (String l : lines) {
                String[] f = l.split(" ");
                if (f[0].equals("ACK") && f.length == 4) {
                    acked.put(f[1], new Ack(f[2], Long.parseLong(f[3])));
                } else if (f[0].equals("REMOVING") && f.length == 2) {
                    removing.add(f[1]);
                } else if (f[0].equals("REMOVED") && f.length == 2) {
                    removed.add(f[1]);
                }
            }
            RecordingMetrics metrics = new RecordingMetrics();
            StoreConfig config = StoreConfig.under(data);
            try (Store store = EmbeddedStore.open(new StoreConfig(config.spoolDir(), config.indexDir(), config.badmailDir(), 0),
                    new PlainTestHasher(), Clock.systemUTC(), metrics)) {
                BadmailStore badmail = store.badmail();
                cutOff += metrics.reconciled.getOrDefault("badmail_orphan_file", 0)
                        + metrics.reconciled.getOrDefault("badmail_temp_file", 0)
                        + metrics.reconciled.getOrDefault("badmail_stray_envelope", 0);
                Set<String> listed = badmail.list(BadmailQuery.ALL).stream().map(BadmailItem::id)
                        .collect(Collectors.toSet());
                for (var e : acked.entrySet()) {
                    String id = e.getKey();
                    if (removed.contains(id)) {
                        assertFalse(listed.contains(id), "removed item " + id + " came back");
                        continue;
                    }
                    if (removing.contains(id) && !listed.contains(id)) {
                        continue; // the kill came while remove ran: gone or whole, both are right
                    }
                    if (!listed.contains(id)) {
                        fail("acknowledged item " + id + " is not listed (round " + round + "); files of it: "
                                + filesOf(data, id) + "; the child's lines about it: " + lines.stream()
                                .filter(l -> l.contains(id)).toList() + "; the child's log:\n" + Files.readString(log));
                    }
                    assertEquals(e.getValue().octets(), badmail.get(id).orElseThrow().octets());
                    try (InputStream in = badmail.open(id)) {
                        byte[] bytes = in.readAllBytes();
                        assertEquals(e.getValue().octets(), bytes.length);
                        assertEquals(e.getValue().sha256(), sha256(bytes), "item " + id + " byte-exact");
                    }
                }
                for (BadmailItem item : badmail.list(BadmailQuery.ALL)) {
                    try (InputStream in = badmail.open(item.id())) {
                        assertEquals(item.octets(), in.readAllBytes().length, "listed item " + item.id() + " is whole");
                    }
                }
                assertEquals(List.of(), names(data.resolve("badmail/tmp")));
                Set<String> expectedFiles = new HashSet<>(listed);
                assertEquals(expectedFiles.stream().map(id -> id + ".eml").sorted().toList(),
                        names(data.resolve("badmail/items")).stream().filter(n -> n.endsWith(".eml")).toList());
                for (String env : names(data.resolve("badmail/items"))) {
                    if (env.endsWith(".env")) {
                        assertTrue(expectedFiles.contains(env.substring(0, env.length() - 4)),
                                "no stray envelope file " + env);
                    }
                }
            }
        }
        assertTrue(acked.size() > ROUNDS, "the child acknowledged puts: " + acked.size());
        org.slf4j.LoggerFactory.getLogger(BadmailCrashTest.class).info(
                "badmail crash test: {} rounds, {} puts acknowledged, {} removes, {} cut-off files cleared at starts",
                ROUNDS, acked.size(), removed.size(), cutOff);
    }

    private List<String> runAndKill(Path data, Path log, Random random) throws Exception {
        try (ChildJvm child = ChildJvm.start(BadmailCrashChild.class, log, data.toString(),
                Long.toString(random.nextLong()))) {
            List<String> seen = new ArrayList<>(child.await(l -> l.startsWith("ACK "), Duration.ofSeconds(90)));
            Thread.sleep(random.nextInt(500));
            seen.addAll(child.kill());
            return seen;
        }
    }

    /** Where files of an item are now, for a failure message. */
    private static List<String> filesOf(Path data, String id) throws IOException {
        try (Stream<Path> s = Files.walk(data.resolve("badmail"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(id)).map(Path::toString).toList();
        }
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
