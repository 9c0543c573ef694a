package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.badmail.Items.in;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.BadmailStore.BadmailTotals;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.MutableClock;
import org.postkontor.store.testing.TempStore;

/** The queue over the real store: H2 files and badmail files in a temp directory, Flyway applied. */
class RealStoreTest {

    private final MutableClock clock = new MutableClock(java.time.Instant.now().truncatedTo(ChronoUnit.MILLIS));
    private final CountingMetrics metrics = new CountingMetrics();
    private TempStore temp;

    @BeforeEach
    void open() throws Exception {
        temp = TempStore.create(clock, StoreMetrics.NOOP); // a store that cannot open fails every test
    }

    @AfterEach
    void close() {
        if (temp != null) {
            temp.close();
        }
    }

    private BadmailQueue queue(BadmailConfig config) {
        return BadmailQueue.over(temp.store(), config, clock, metrics);
    }

    private BadmailEnvelope envelope(String... recipients) {
        return new BadmailEnvelope("sender@remote.test", List.of(recipients), "192.0.2.7", "mx.remote.test",
                clock.instant());
    }

    private BadmailReason reason(String kind) {
        return Items.reason(clock, kind);
    }

    private String admit(BadmailQueue q, String kind, byte[] original, String... recipients) throws StoreException {
        q.admit(envelope(recipients), reason(kind), in(original));
        List<BadmailItem> all = temp.store().badmail().list(BadmailQuery.ALL);
        return all.get(all.size() - 1).id();
    }

    private List<String> ids() throws StoreException {
        return temp.store().badmail().list(BadmailQuery.ALL).stream().map(BadmailItem::id).toList();
    }

    @Test
    void itemsAreByteExactOnDiskAndSurviveARestart() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS);
        byte[] original = ("Subject: mixed line ends\nFrom: a@remote.test\r\n\r\nlone CR\r here\n.\n"
                + "8bit: Grüße\r\n").getBytes(StandardCharsets.UTF_8);
        String id = admit(q, ReasonKind.UNKNOWN_USER, original, "nobody@example.test");
        if (!TempStore.onPostgres()) { // there the original is rows of the database
            try (var files = Files.walk(temp.config().badmailDir())) {
                assertTrue(files.anyMatch(Files::isRegularFile), "the original is a file under the badmail directory");
            }
        }

        temp.restart();
        q = queue(BadmailConfig.DEFAULTS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(original.length, q.export(id, out));
        assertArrayEquals(original, out.toByteArray());
        BadmailDetail d = q.show(id);
        assertEquals(List.of("mixed line ends"), d.values("Subject"));
        assertEquals(ReasonKind.UNKNOWN_USER, d.item().reason().kind());
        assertEquals(List.of("nobody@example.test"), d.item().envelope().recipients());
        assertEquals(1, q.status().items());
        assertEquals(original.length, q.status().octets());
    }

    @Test
    void listFiltersOnTheRealIndex() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS);
        String a = admit(q, ReasonKind.UNKNOWN_USER, Items.message("a", "1"), "nobody@example.test");
        clock.advance(Duration.ofHours(2));
        String b = admit(q, ReasonKind.DANGLING_ALIAS, Items.message("b", "2"), "sales@example.test",
                "x@other.test");
        clock.advance(Duration.ofHours(2));
        String c = admit(q, ReasonKind.UNKNOWN_USER, Items.message("c", "3"), "nobody@other.test");

        assertEquals(List.of(a, c), ids(q.list(BadmailFilter.ofKind("unknown_user"), 0, 10)));
        assertEquals(List.of(b, c), ids(q.list(BadmailFilter.ALL.withDomain("other.test"), 0, 10)));
        assertEquals(List.of(a), ids(q.list(BadmailFilter.ALL.withRecipient("nobody@example.test"), 0, 10)));
        assertEquals(List.of(a, b), ids(q.list(BadmailFilter.ALL.withOlderThan(Duration.ofHours(1)), 0, 10)));
        BadmailPage page = q.list(BadmailFilter.ALL, 1, 1);
        assertEquals(List.of(b), ids(page));
        assertTrue(page.more());
    }

    /** Must show 2, in the module: redeliver to a corrected address, then read it as that user. */
    @Test
    void redeliveredToACorrectedAddressTheUserRetrievesIt() throws Exception {
        MailAddress bob = temp.addUser("bob@example.test", "secret");
        temp.store().admin().setPolicy("example.test", new RecipientPolicy.Badmail());
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withHostName("mx.example.test"));
        byte[] original = Items.message("typo", "Hello Bob, with a typo in your address.");
        String id = admit(q, ReasonKind.UNKNOWN_USER, original, "bbo@example.test");

        assertThrows(UnresolvedRecipientException.class, () -> q.redeliver(id)); // bbo is still unknown
        Redelivery r = q.redeliver(id, List.of(bob));

        assertEquals(List.of(bob), r.delivered());
        assertEquals(Optional.empty(), temp.store().badmail().get(id), "the badmail item is gone");
        try (Maildrop drop = temp.store().maildrops().open(bob)) {
            List<MaildropEntry> listing = drop.listing();
            assertEquals(1, listing.size());
            String got;
            try (InputStream body = drop.open(listing.get(0))) {
                got = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertEquals(listing.get(0).octets(), got.getBytes(StandardCharsets.UTF_8).length);
            assertTrue(got.startsWith("Delivered-To: bob@example.test\r\n"), got);
            assertTrue(got.contains("Return-Path: <sender@remote.test>\r\n"), got);
            assertTrue(got.contains("X-Postkontor-Badmail-Id: " + id + "\r\n"), got);
            assertTrue(got.endsWith(new String(original, StandardCharsets.UTF_8)), got);
        }
        assertEquals(1, metrics.get("redelivered:unknown_user"));
    }

    /**
     * Must show 2, the crash: the process dies after the spool committed and before the item was
     * removed. After the restart the message is in the mailbox once and the item is still in
     * badmail (at least once); the copy carries the item id so the admin can tell.
     */
    @Test
    void aCrashBetweenDeliveryAndRemovalIsAtLeastOnce() throws Exception {
        MailAddress bob = temp.addUser("bob@example.test", "secret");
        Store store = temp.store();
        BadmailStore crashing = new CrashBeforeRemove(store.badmail());
        BadmailQueue q = new BadmailQueue(crashing, store.directory(), store.spool(), BadmailConfig.DEFAULTS, clock,
                metrics);
        String id = admit(q, ReasonKind.UNKNOWN_USER, Items.message("crash", "b"), "bbo@example.test");

        assertThrows(StoreException.class, () -> q.redeliver(id, List.of(bob)));
        Store restarted = temp.restart();

        assertTrue(restarted.badmail().get(id).isPresent(), "the item is still in badmail");
        try (Maildrop drop = restarted.maildrops().open(bob)) {
            assertEquals(1, drop.listing().size(), "and the message is in the mailbox, once");
            try (InputStream body = drop.open(drop.listing().get(0))) {
                assertTrue(new String(body.readAllBytes(), StandardCharsets.UTF_8)
                        .contains("X-Postkontor-Badmail-Id: " + id + "\r\n"));
            }
        }
    }

    /** Must show 3 on the real store: expiry by age, eviction of the oldest at the size cap. */
    @Test
    void retentionOnTheRealStore() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withMaxAge(Duration.ofDays(7)).withMaxTotalBytes(1 << 20));
        String old = admit(q, ReasonKind.LOOP, Items.sized("old", 100_000), "nobody@example.test");
        clock.advance(Duration.ofDays(6));
        List<String> recent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            recent.add(admit(q, ReasonKind.UNKNOWN_USER, Items.sized("r" + i, 200_000), "nobody@example.test"));
            clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(900_000, q.status().octets());

        clock.advance(Duration.ofDays(1)); // "old" is 7 days + 4 minutes old now
        SweepResult swept = q.sweep();
        assertEquals(new SweepResult(1, 0, 100_000), swept);
        assertFalse(ids().contains(old));
        assertEquals(1, metrics.get("evicted:loop:age"));

        String big = admit(q, ReasonKind.UNKNOWN_USER, Items.sized("big", 500_000), "nobody@example.test");
        // 800 000 + 500 000 > 1 MiB (1 048 576): the two oldest go.
        assertEquals(List.of(recent.get(2), recent.get(3), big), ids());
        assertEquals(2, metrics.get("evicted:unknown_user:size_cap"));
        BadmailTotals t = temp.store().badmail().totals();
        assertTrue(t.octets() <= 1 << 20, "" + t.octets());
    }

    /** Must show 4 on the real store. */
    @Test
    void arrivalsDuringAPurgeAreKeptOnTheRealStore() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS);
        for (int i = 0; i < 60; i++) {
            admit(q, ReasonKind.UNKNOWN_USER, Items.message("old" + i, "b"), "nobody@example.test");
        }
        clock.advance(Duration.ofSeconds(5));
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger removes = new AtomicInteger();
        BadmailStore pausing = new ForwardingBadmailStore(temp.store().badmail()) {
            @Override
            public boolean remove(String id) throws StoreException {
                if (removes.incrementAndGet() == 20) {
                    paused.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.remove(id);
            }
        };
        Store s = temp.store();
        BadmailQueue purger = new BadmailQueue(pausing, s.directory(), s.spool(), BadmailConfig.DEFAULTS, clock, metrics);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<Integer> purge = pool.submit(() -> purger.purge(BadmailFilter.ofKind(ReasonKind.UNKNOWN_USER)));
            assertTrue(paused.await(60, TimeUnit.SECONDS));
            clock.advance(Duration.ofSeconds(1));
            List<Callable<List<String>>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int writer = w;
                writers.add(() -> {
                    List<String> subjects = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        String subject = "new-" + writer + "-" + i;
                        q.admit(envelope("nobody@example.test"), reason(ReasonKind.UNKNOWN_USER),
                                in(Items.message(subject, "b")));
                        subjects.add(subject);
                    }
                    return subjects;
                });
            }
            Set<String> arrived = new HashSet<>();
            for (Future<List<String>> f : pool.invokeAll(writers, 120, TimeUnit.SECONDS)) {
                arrived.addAll(f.get());
            }
            release.countDown();
            assertEquals(60, purge.get(120, TimeUnit.SECONDS));

            Set<String> kept = new HashSet<>();
            for (BadmailItem item : temp.store().badmail().list(BadmailQuery.ALL)) {
                kept.add(q.show(item.id()).values("Subject").get(0));
            }
            assertEquals(arrived, kept);
        } finally {
            release.countDown();
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    private static List<String> ids(BadmailPage page) {
        return page.items().stream().map(BadmailItem::id).toList();
    }

    /** The real badmail store, except that remove() fails as a process killed at that moment would. */
    private static final class CrashBeforeRemove extends ForwardingBadmailStore {
        CrashBeforeRemove(BadmailStore delegate) {
            super(delegate);
        }

        @Override
        public boolean remove(String id) throws StoreException {
            throw new StoreException("simulated crash before the badmail item was removed");
        }
    }
}
