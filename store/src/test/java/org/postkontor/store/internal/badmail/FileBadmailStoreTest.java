package org.postkontor.store.internal.badmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.BadmailStore.BadmailTotals;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.StoreMetrics;
import java.time.Clock;
import java.time.ZoneOffset;

class FileBadmailStoreTest {

    static final Instant T0 = Instant.parse("2026-11-01T08:00:00Z");
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    Path badmailDir;
    FileBadmailStore store;

    @BeforeEach
    void setUp() throws Exception {
        badmailDir = dir.resolve("badmail");
        store = FileBadmailStore.open(badmailDir, 0, CLOCK, StoreMetrics.NOOP);
    }

    /** Opens the badmail directory again, as the next start does; returns what it reported. */
    private List<String> reopen() throws Exception {
        List<String> reported = new ArrayList<>();
        store = FileBadmailStore.open(badmailDir, 0, CLOCK, new StoreMetrics() {
            @Override
            public void reconciled(String kind, int count) {
                reported.add(kind + "=" + count);
            }
        });
        return reported;
    }

    private static BadmailEnvelope env(Instant received, String... recipients) {
        return new BadmailEnvelope("sender@remote.example", List.of(recipients), "192.0.2.7", "mx.remote.example",
                received);
    }

    private static BadmailReason reason(String kind) {
        return new BadmailReason(kind, 550, "5.1.1", "no such user", T0.plusSeconds(1));
    }

    private BadmailItem put(String kind, Instant received, String... recipients) throws Exception {
        return store.put(env(received, recipients), reason(kind), new ByteArrayInputStream(
                ("Subject: " + kind + "\r\n\r\nbody\r\n").getBytes()));
    }

    private static List<String> ids(List<BadmailItem> items) {
        return items.stream().map(BadmailItem::id).toList();
    }

    @Test
    void originalIsKeptByteExactAndItemReadsBackAsStored() throws Exception {
        byte[] original = "From: x\nSubject: lone LF\r\nlone CR\rNUL\0 and 8bit \u00e9\r\n.\r\nno final newline"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        BadmailEnvelope env = new BadmailEnvelope("", List.of("Nobody@Example.TEST", "x@example.org"), "[2001:db8::1]",
                "helo.example", T0.plusNanos(123_456_789));
        BadmailItem item = store.put(env, reason("unknown_user"), new ByteArrayInputStream(original));

        assertEquals(original.length, item.octets());
        assertEquals(Optional.of(item), store.get(item.id()));
        assertEquals(T0.plusNanos(123_456_000), item.envelope().received(), "microseconds, as it always kept");
        assertEquals(List.of("Nobody@Example.TEST", "x@example.org"), item.envelope().recipients());
        try (InputStream in = store.open(item.id())) {
            assertArrayEquals(original, in.readAllBytes());
        }
        assertArrayEquals(original, Files.readAllBytes(badmailDir.resolve("items").resolve(item.id() + ".eml")));
        assertTrue(Files.isRegularFile(badmailDir.resolve("items").resolve(item.id() + ".env")), "envelope file");
        assertTrue(item.id().matches("20261127T120000-[a-z2-7]{10}"), item.id());
    }

    @Test
    void emptyOriginalAndOverlongNetworkFieldsAreStored() throws Exception {
        String longHelo = "h".repeat(600);
        BadmailItem item = store.put(new BadmailEnvelope(null, List.of(), null, longHelo, null),
                new BadmailReason("loop", 554, "5.4.6", "x".repeat(2000), null), InputStream.nullInputStream());
        BadmailItem back = store.get(item.id()).orElseThrow();
        assertEquals(0, back.octets());
        assertEquals("", back.envelope().sender());
        assertEquals(255, back.envelope().helo().length());
        assertEquals(1000, back.reason().text().length());
        assertEquals(CLOCK.instant(), back.envelope().received());
        assertEquals(List.of(), back.envelope().recipients());
    }

    @Test
    void listIsOldestFirstAndFiltersByKindRecipientDomainAndAge() throws Exception {
        BadmailItem b = put("unknown_user", T0.plusSeconds(20), "bob@example.test");
        BadmailItem a = put("dangling_alias", T0.plusSeconds(10), "team@example.test", "x@example.org");
        BadmailItem c = put("unknown_user", T0.plusSeconds(30), "carol@example.org");

        assertEquals(List.of(a.id(), b.id(), c.id()), ids(store.list(BadmailQuery.ALL)));
        assertEquals(List.of(b.id(), c.id()), ids(store.list(new BadmailQuery("unknown_user", null, null, null, 0, 0))));
        assertEquals(List.of(a.id()), ids(store.list(new BadmailQuery(null, "TEAM@example.test", null, null, 0, 0))));
        assertEquals(List.of(a.id()), ids(store.list(new BadmailQuery(null, "<team@example.test>", null, null, 0, 0))));
        assertEquals(List.of(a.id(), c.id()), ids(store.list(new BadmailQuery(null, null, "Example.ORG.", null, 0, 0))));
        assertEquals(List.of(a.id(), b.id()),
                ids(store.list(new BadmailQuery(null, null, null, T0.plusSeconds(30), 0, 0))));
        assertEquals(List.of(c.id()),
                ids(store.list(new BadmailQuery("unknown_user", null, "example.org", T0.plusSeconds(31), 0, 0))));
        assertEquals(List.of(), ids(store.list(new BadmailQuery("loop", null, null, null, 0, 0))));
        assertEquals(List.of("team@example.test", "x@example.org"), store.list(BadmailQuery.ALL).get(0).envelope().recipients());
    }

    @Test
    void listPages() throws Exception {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            all.add(put("unknown_user", T0.plusSeconds(i), "u" + i + "@example.test", "v@example.test").id());
        }
        assertEquals(all.subList(0, 3), ids(store.list(new BadmailQuery(null, null, null, null, 0, 3))));
        assertEquals(all.subList(3, 6), ids(store.list(new BadmailQuery(null, null, null, null, 3, 3))));
        assertEquals(all.subList(6, 7), ids(store.list(new BadmailQuery(null, null, null, null, 6, 3))));
        assertEquals(all.subList(5, 7), ids(store.list(new BadmailQuery(null, null, null, null, 5, 0))));
        assertEquals(List.of(), ids(store.list(new BadmailQuery(null, null, null, null, 9, 3))));
        assertEquals(2, store.list(new BadmailQuery(null, null, null, null, 1, 1)).get(0).envelope().recipients().size());
        assertThrows(IllegalArgumentException.class, () -> store.list(new BadmailQuery(null, null, null, null, -1, 0)));
    }

    @Test
    void removeDeletesRowThenFile() throws Exception {
        BadmailItem a = put("unknown_user", T0, "a@example.test");
        BadmailItem b = put("unknown_user", T0.plusSeconds(1), "b@example.test");
        assertTrue(store.remove(a.id()));
        assertFalse(store.remove(a.id()));
        assertFalse(store.remove("../../etc/passwd"));
        assertEquals(Optional.empty(), store.get(a.id()));
        assertThrows(NotFoundException.class, () -> store.open(a.id()));
        assertFalse(Files.exists(badmailDir.resolve("items").resolve(a.id() + ".eml")));
        assertFalse(Files.exists(badmailDir.resolve("items").resolve(a.id() + ".env")));
        assertEquals(List.of(b.id()), ids(store.list(BadmailQuery.ALL)));
        assertEquals(Optional.empty(), store.get("nope"));
        assertThrows(NotFoundException.class, () -> store.open("nope"));
    }

    @Test
    void totalsCountItemsOctetsAndTheOldest() throws Exception {
        assertEquals(new BadmailTotals(0, 0, Optional.empty()), store.totals());
        BadmailItem a = put("unknown_user", T0.plusSeconds(50), "a@example.test");
        BadmailItem b = put("unknown_user", T0.plusSeconds(5), "b@example.test");
        assertEquals(new BadmailTotals(2, a.octets() + b.octets(), Optional.of(T0.plusSeconds(5))), store.totals());
        store.remove(b.id());
        assertEquals(new BadmailTotals(1, a.octets(), Optional.of(T0.plusSeconds(50))), store.totals());
    }

    @Test
    void refusedAtTheReserveAndNothingKept() throws Exception {
        var full = FileBadmailStore.open(badmailDir, Long.MAX_VALUE, CLOCK, StoreMetrics.NOOP);
        assertThrows(InsufficientStorageException.class,
                () -> full.put(env(T0, "a@example.test"), reason("unknown_user"), InputStream.nullInputStream()));
        assertEquals(0, store.totals().items());
        assertEquals(0, countFiles(badmailDir));
    }

    @Test
    void originalThatWouldCrossTheReserveIsAbortedAndNothingKept() throws Exception {
        long usable = Files.getFileStore(badmailDir).getUsableSpace();
        long reserve = usable - 1024 * 1024; // about 1 MiB of room
        var tight = FileBadmailStore.open(badmailDir, reserve, CLOCK, StoreMetrics.NOOP);
        InputStream huge = new InputStream() { // 256 MiB, generated, never held in memory
            long left = 256L * 1024 * 1024;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                left -= n;
                return n;
            }
        };
        assertThrows(InsufficientStorageException.class,
                () -> tight.put(env(T0, "a@example.test"), reason("unknown_user"), huge));
        assertEquals(0, store.totals().items());
        assertEquals(0, countFiles(badmailDir));
    }

    @Test
    void aStartIndexesEveryItemClearsTempQuarantinesOrphansAndDropsStrayEnvelopes() throws Exception {
        Path items = badmailDir.resolve("items");
        BadmailItem kept = put("unknown_user", T0, "a@example.test");
        BadmailItem lost = put("unknown_user", T0.plusSeconds(1), "b@example.test");
        Files.delete(items.resolve(lost.id() + ".eml")); // a remove cut off after its first step
        BadmailItem odd = store.put(new BadmailEnvelope("<x@remote.example>", List.of("C@example.test", "d@example.org"),
                "[2001:db8::7]", "h\u00e9lo\ttab", T0.plusSeconds(2)), new BadmailReason("loop", 554, "5.4.6",
                "loop: = and : and \\ and \u00fc", T0.plusSeconds(3)), new ByteArrayInputStream("x\r\ny\n".getBytes()));
        Files.writeString(items.resolve("20261127T000000-orphanorph.eml"), "orphan");
        Files.writeString(items.resolve("20261127T000000-strayenvel.env"), "version=1");
        Files.writeString(badmailDir.resolve("tmp").resolve("cut-off"), "half");

        List<String> reported = reopen();
        assertEquals(List.of("badmail_temp_file=1", "badmail_orphan_file=1", "badmail_stray_envelope=2"), reported);
        assertEquals(List.of(kept.id(), odd.id()), ids(store.list(BadmailQuery.ALL)));
        assertEquals(Optional.of(odd), store.get(odd.id()), "indexed exactly as it was put");
        assertEquals(List.of(odd.id()), ids(store.list(new BadmailQuery(null, null, "example.org", null, 0, 0))));
        try (InputStream in = store.open(odd.id())) {
            assertEquals("x\r\ny\n", new String(in.readAllBytes()));
        }
        assertEquals("orphan", Files.readString(badmailDir.resolve("quarantine/20261127T000000-orphanorph.eml")));
        assertEquals(0, countFiles(badmailDir.resolve("tmp")));
        assertFalse(Files.exists(items.resolve(lost.id() + ".env")));
        assertFalse(Files.exists(items.resolve("20261127T000000-strayenvel.env")));
        assertEquals(List.of("badmail_temp_file=0", "badmail_orphan_file=0", "badmail_stray_envelope=0"), reopen());
        try (InputStream in = store.open(kept.id())) {
            assertEquals("Subject: unknown_user\r\n\r\nbody\r\n", new String(in.readAllBytes()));
        }
    }

    @Test
    void aRemovedItemNeverComesBackAndAnEnvelopeAloneIsDropped() throws Exception {
        BadmailItem a = put("unknown_user", T0, "a@example.test");
        BadmailItem b = put("unknown_user", T0.plusSeconds(1), "b@example.test");
        assertTrue(store.remove(a.id()));
        assertFalse(store.remove(a.id()), "removed once");
        // b's remove cut off after the original went: the envelope alone is not an item
        Files.delete(badmailDir.resolve("items").resolve(b.id() + ".eml"));
        reopen();
        assertEquals(List.of(), store.list(BadmailQuery.ALL));
        assertEquals(0, countFiles(badmailDir.resolve("items")));
        assertFalse(Files.exists(badmailDir.resolve("quarantine")), "nothing removed is quarantined");
    }

    @Test
    void anEnvelopeThatDisagreesWithItsOriginalQuarantinesTheOriginal() throws Exception {
        BadmailItem a = put("unknown_user", T0, "a@example.test");
        Files.writeString(badmailDir.resolve("items").resolve(a.id() + ".eml"), "longer than it was, by a lot");
        assertEquals(List.of("badmail_temp_file=0", "badmail_orphan_file=1", "badmail_stray_envelope=0"), reopen());
        assertEquals(List.of(), store.list(BadmailQuery.ALL));
        assertTrue(Files.exists(badmailDir.resolve("quarantine").resolve(a.id() + ".eml")));
    }

    @Test
    void concurrentPutsAllLand() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<BadmailItem>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                futures.add(pool.submit(() -> put("unknown_user", T0.plusMillis(n), "u" + n + "@example.test")));
            }
            var ids = new HashSet<String>();
            for (Future<BadmailItem> f : futures) {
                ids.add(f.get(60, TimeUnit.SECONDS).id());
            }
            assertEquals(40, ids.size());
            assertEquals(40, store.totals().items());
            assertEquals(80, countFiles(badmailDir.resolve("items")), "an original and an envelope file each");
        } finally {
            pool.shutdownNow();
        }
    }

    private static long countFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
