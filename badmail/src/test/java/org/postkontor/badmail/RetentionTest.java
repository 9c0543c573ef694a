package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.badmail.Items.envelope;
import static org.postkontor.badmail.Items.in;
import static org.postkontor.badmail.Items.reason;
import static org.postkontor.badmail.Items.sized;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.testing.MutableClock;

/** Retention with an injected clock: expiry by age, eviction of the oldest at the size cap. */
class RetentionTest {

    private static final int KIB = 1024;
    private static final long MIB = 1024 * 1024;

    private final MutableClock clock = MutableClock.at("2026-11-01T00:00:00Z");
    private final FakeMailStore store = new FakeMailStore().domain("example.test", new RecipientPolicy.Badmail());
    private final CountingMetrics metrics = new CountingMetrics();

    private BadmailQueue queue(BadmailConfig config) {
        return new BadmailQueue(store, store, store, config, clock, metrics);
    }

    private void admit(BadmailQueue q, String kind, String subject, int size) throws Exception {
        q.admit(envelope(clock, "nobody@example.test"), reason(clock, kind), in(sized(subject, size)));
    }

    private List<String> ids() throws Exception {
        return store.list(org.postkontor.store.BadmailStore.BadmailQuery.ALL).stream().map(BadmailItem::id).toList();
    }

    @Test
    void sweepExpiresItemsOlderThanTheMaximumAgeAndNothingYounger() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withMaxAge(Duration.ofDays(30)));
        admit(q, ReasonKind.UNKNOWN_USER, "day0", 100);            // bm1, received day 0
        clock.advance(Duration.ofDays(10));
        admit(q, ReasonKind.LOOP, "day10", 100);                   // bm2, day 10
        clock.advance(Duration.ofDays(20));                        // day 30: bm1 is exactly 30 days old
        assertEquals(SweepResult.NONE, q.sweep());
        assertEquals(2, ids().size());

        clock.advance(Duration.ofSeconds(1));                      // bm1 is now older than 30 days
        try (LogCapture log = new LogCapture()) {
            SweepResult r = q.sweep();
            assertEquals(1, r.evictedByAge());
            assertEquals(0, r.evictedBySize());
            assertEquals(100, r.octetsFreed());
            assertEquals(List.of("bm2"), ids());
            assertEquals(1, metrics.get("evicted:unknown_user:age"));
            List<String> evicted = log.lines("evicted");
            assertEquals(1, evicted.size());
            assertTrue(evicted.get(0).contains("id=bm1") && evicted.get(0).contains("cause=age")
                    && evicted.get(0).contains("kind=unknown_user"), evicted.get(0));
        }

        clock.advance(Duration.ofDays(10));
        assertEquals(1, q.sweep().evictedByAge());
        assertEquals(List.of(), ids());
        assertEquals(1, metrics.get("evicted:loop:age"));
    }

    @Test
    void sweepExpiresMoreThanOneBatch() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withMaxAge(Duration.ofDays(1)));
        int n = PagedRemoval.BATCH * 2 + 3;
        for (int i = 0; i < n; i++) {
            admit(q, ReasonKind.UNKNOWN_USER, "old" + i, 50);
        }
        clock.advance(Duration.ofHours(12));
        admit(q, ReasonKind.UNKNOWN_USER, "young", 50);
        clock.advance(Duration.ofHours(13));
        assertEquals(n, q.sweep().evictedByAge());
        assertEquals(1, ids().size());
    }

    @Test
    void admitEvictsTheOldestItemsOnceTheTotalPassesTheCap() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withMaxTotalBytes(MIB));
        for (int i = 0; i < 4; i++) {                              // 4 x 256 KiB = exactly the cap
            admit(q, ReasonKind.UNKNOWN_USER, "m" + i, 256 * KIB);
            clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(List.of("bm1", "bm2", "bm3", "bm4"), ids());
        assertEquals(0, metrics.get("evicted:unknown_user:size_cap"));

        try (LogCapture log = new LogCapture()) {
            admit(q, ReasonKind.DANGLING_ALIAS, "m4", 300 * KIB);    // over by 300 KiB: the two oldest go
            assertEquals(List.of("bm3", "bm4", "bm5"), ids());
            assertEquals(2, metrics.get("evicted:unknown_user:size_cap"));
            assertEquals(2, log.lines("evicted").size());
            assertTrue(log.lines("evicted").get(0).contains("id=bm1") && log.lines("evicted").get(0).contains("cause=size_cap"));
            assertTrue(log.lines("evicted").get(1).contains("id=bm2"));
        }
        assertTrue(q.status().octets() <= MIB);
    }

    @Test
    void admitsFarBelowTheCapDoNotAskTheStoreForItsTotals() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withMaxTotalBytes(MIB));
        for (int i = 0; i < 30; i++) {
            admit(q, ReasonKind.UNKNOWN_USER, "m" + i, 10 * KIB); // 300 KiB in all
        }
        assertEquals(1, store.totalsCalls.get(), "only the first admit, when nothing is known yet");
        for (int i = 0; i < 80; i++) {
            admit(q, ReasonKind.UNKNOWN_USER, "n" + i, 10 * KIB); // past 1 MiB: checks, and evictions
        }
        assertTrue(store.totalsCalls.get() > 1);
        assertTrue(q.status().octets() <= MIB, "" + q.status().octets());
        assertEquals(110 - store.size(), metrics.get("evicted:unknown_user:size_cap"));
    }

    @Test
    void theItemJustAdmittedIsNeverEvictedByItsOwnArrival() throws Exception {
        BadmailQueue q = queue(BadmailConfig.DEFAULTS.withMaxTotalBytes(MIB));
        admit(q, ReasonKind.UNKNOWN_USER, "small", 10 * KIB);
        clock.advance(Duration.ofMinutes(1));
        admit(q, ReasonKind.UNKNOWN_USER, "huge", (int) MIB + KIB);  // larger than the cap by itself
        assertEquals(List.of("bm2"), ids());
        // The next arrival evicts it: it is the oldest now.
        clock.advance(Duration.ofMinutes(1));
        admit(q, ReasonKind.UNKNOWN_USER, "next", 10 * KIB);
        assertEquals(List.of("bm3"), ids());
    }

    @Test
    void sweepBringsTheTotalUnderALoweredCapOldestFirst() throws Exception {
        BadmailQueue big = queue(BadmailConfig.DEFAULTS.withMaxTotalBytes(8 * MIB));
        for (int i = 0; i < 8; i++) {
            admit(big, i % 2 == 0 ? ReasonKind.UNKNOWN_USER : ReasonKind.LOOP, "m" + i, 512 * KIB);
            clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(SweepResult.NONE, big.sweep());

        BadmailQueue small = queue(BadmailConfig.DEFAULTS.withMaxTotalBytes(2 * MIB)); // restart with a lower cap
        SweepResult r = small.sweep();
        assertEquals(4, r.evictedBySize());
        assertEquals(4L * 512 * KIB, r.octetsFreed());
        assertEquals(List.of("bm5", "bm6", "bm7", "bm8"), ids());
        assertEquals(2, metrics.get("evicted:unknown_user:size_cap"));
        assertEquals(2, metrics.get("evicted:loop:size_cap"));
        BadmailStatus s = small.status();
        assertEquals(2 * MIB, s.octets());
        assertEquals(Duration.ofMinutes(4), s.oldestAge().orElseThrow());
    }

    @Test
    void sweepAppliesAgeThenSize() throws Exception {
        BadmailQueue q = queue(new BadmailConfig(Duration.ofHours(1), MIB, 4096, 100, "mx.example.test"));
        admit(q, ReasonKind.UNKNOWN_USER, "old", 400 * KIB);
        clock.advance(Duration.ofMinutes(50));
        admit(q, ReasonKind.UNKNOWN_USER, "mid", 400 * KIB);
        clock.advance(Duration.ofMinutes(5));
        admit(q, ReasonKind.UNKNOWN_USER, "new", 400 * KIB); // 1200 KiB: admit evicts "old" for size
        assertEquals(List.of("bm2", "bm3"), ids());
        clock.advance(Duration.ofMinutes(57));               // "mid" is now 62 minutes old, "new" 57
        SweepResult r = q.sweep();
        assertEquals(new SweepResult(1, 0, 400 * KIB), r);
        assertEquals(List.of("bm3"), ids());
    }
}
