package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.badmail.Items.envelope;
import static org.postkontor.badmail.Items.in;
import static org.postkontor.badmail.Items.reason;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.testing.MutableClock;

/** Arrivals while a purge or a sweep runs lose nothing that should stay. */
class ConcurrencyTest {

    private final MutableClock clock = MutableClock.at("2026-11-01T00:00:00Z");
    private final FakeMailStore store = new FakeMailStore().domain("example.test", new RecipientPolicy.Badmail());
    private final CountingMetrics metrics = new CountingMetrics();
    private final ExecutorService pool = Executors.newFixedThreadPool(5);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    private static void admit(BadmailQueue q, MutableClock clock, String kind, String subject) throws Exception {
        q.admit(envelope(clock, "nobody@example.test"), reason(clock, kind), in(Items.message(subject, "b")));
    }

    /**
     * Makes the store's 50th list/remove wait (at most 30 s) until {@code release} opens, so that
     * the arrivals surely happen while the purge or sweep is in the middle of its work; opens
     * {@code started} at the first call.
     */
    private void pauseStoreMidway(CountDownLatch started, CountDownLatch release) {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        store.beforeListOrRemove = () -> {
            started.countDown();
            if (calls.incrementAndGet() == 50) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** Four writers admit {@code perWriter} items each of the given kinds; returns their subjects. */
    private Set<String> arrivals(BadmailQueue q, int perWriter, String... kinds) throws Exception {
        List<Callable<List<String>>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            writers.add(() -> {
                List<String> subjects = new ArrayList<>();
                for (int i = 0; i < perWriter; i++) {
                    String subject = "new-" + writer + "-" + i;
                    admit(q, clock, kinds[i % kinds.length], subject);
                    subjects.add(subject);
                }
                return subjects;
            });
        }
        Set<String> all = new HashSet<>();
        for (Future<List<String>> f : pool.invokeAll(writers, 60, TimeUnit.SECONDS)) {
            all.addAll(f.get());
        }
        return all;
    }

    private Set<String> subjectsInStore(BadmailQueue q) throws Exception {
        Set<String> subjects = new HashSet<>();
        for (BadmailItem i : store.list(BadmailQuery.ALL)) {
            subjects.add(q.show(i.id()).values("Subject").get(0));
        }
        return subjects;
    }

    @Test
    void arrivalsDuringAPurgeAreKept() throws Exception {
        BadmailQueue q = new BadmailQueue(store, store, store, BadmailConfig.DEFAULTS, clock, metrics);
        for (int i = 0; i < 300; i++) {
            admit(q, clock, ReasonKind.UNKNOWN_USER, "old-" + i);
        }
        for (int i = 0; i < 50; i++) {
            admit(q, clock, ReasonKind.LOOP, "old-loop-" + i);
        }
        clock.advance(Duration.ofMinutes(1));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        pauseStoreMidway(started, release);

        Future<Integer> purge = pool.submit(() -> q.purge(BadmailFilter.ofKind(ReasonKind.UNKNOWN_USER)));
        assertTrue(started.await(30, TimeUnit.SECONDS));
        clock.advance(Duration.ofSeconds(1)); // everything from here on arrives after the purge began
        Set<String> arrived = arrivals(q, 50, ReasonKind.UNKNOWN_USER, ReasonKind.LOOP);
        assertTrue(!purge.isDone(), "the purge is paused midway while mail arrives");
        release.countDown();
        int purged = purge.get(60, TimeUnit.SECONDS);
        store.beforeListOrRemove = () -> {};

        assertEquals(300, purged);
        Set<String> kept = subjectsInStore(q);
        assertEquals(250, kept.size());
        assertTrue(kept.containsAll(arrived), "every arrival during the purge is still there");
        for (int i = 0; i < 50; i++) {
            assertTrue(kept.contains("old-loop-" + i));
        }
        assertEquals(300, metrics.get("deleted:unknown_user"));
    }

    @Test
    void arrivalsDuringASweepAreKept() throws Exception {
        BadmailQueue q = new BadmailQueue(store, store, store, BadmailConfig.DEFAULTS.withMaxAge(Duration.ofDays(1)),
                clock, metrics);
        for (int i = 0; i < 300; i++) {
            admit(q, clock, ReasonKind.UNKNOWN_USER, "old-" + i);
        }
        clock.advance(Duration.ofDays(2));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        pauseStoreMidway(started, release);

        Future<SweepResult> sweep = pool.submit(q::sweep);
        assertTrue(started.await(30, TimeUnit.SECONDS));
        Set<String> arrived = arrivals(q, 50, ReasonKind.UNKNOWN_USER, ReasonKind.DANGLING_ALIAS);
        assertTrue(!sweep.isDone(), "the sweep is paused midway while mail arrives, and admits do not wait for it");
        release.countDown();
        SweepResult r = sweep.get(60, TimeUnit.SECONDS);
        store.beforeListOrRemove = () -> {};

        assertEquals(300, r.evictedByAge());
        assertEquals(arrived, subjectsInStore(q));
        assertEquals(300, metrics.get("evicted:unknown_user:age"));
    }

    @Test
    void concurrentArrivalsAtTheCapKeepTheNewestAndStayUnderIt() throws Exception {
        long cap = 1 << 20;
        int size = 16 * 1024;
        BadmailQueue q = new BadmailQueue(store, store, store, BadmailConfig.DEFAULTS.withMaxTotalBytes(cap), clock,
                metrics);
        List<Callable<Void>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            writers.add(() -> {
                for (int i = 0; i < 50; i++) {
                    clock.advance(Duration.ofMillis(1));
                    q.admit(envelope(clock, "nobody@example.test"), reason(clock, ReasonKind.UNKNOWN_USER),
                            in(Items.sized("s", size)));
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(writers, 60, TimeUnit.SECONDS)) {
            f.get();
        }
        // Admits in flight protect each other's items, so at most one item per writer over the cap.
        assertTrue(q.status().octets() <= cap + 4L * size, "" + q.status().octets());
        q.sweep();
        BadmailStatus s = q.status();
        assertTrue(s.octets() <= cap && s.octets() > cap - size, "" + s.octets());
        assertEquals(200, metrics.get("arrived:unknown_user"));
        assertEquals(200 - s.items(), metrics.get("evicted:unknown_user:size_cap"));
        List<BadmailItem> left = store.list(BadmailQuery.ALL);
        assertEquals(cap / size, left.size());
    }
}
