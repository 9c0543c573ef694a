package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.badmail.Items.envelope;
import static org.postkontor.badmail.Items.in;
import static org.postkontor.badmail.Items.message;
import static org.postkontor.badmail.Items.reason;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.testing.MutableClock;

class BadmailQueueTest {

    private final MutableClock clock = MutableClock.at("2026-11-01T10:00:00Z");
    private final FakeMailStore store = new FakeMailStore().domain("example.test", new RecipientPolicy.Badmail());
    private final CountingMetrics metrics = new CountingMetrics();
    private final BadmailQueue queue = new BadmailQueue(store, store, store, BadmailConfig.DEFAULTS, clock, metrics);

    private String admit(String kind, byte[] original, String... recipients) throws Exception {
        queue.admit(envelope(clock, recipients), reason(clock, kind), in(original));
        List<BadmailItem> all = queue.list(BadmailFilter.ALL, 0, 1000).items();
        return all.get(all.size() - 1).id();
    }

    @Test
    void admitKeepsTheOriginalByteExactAndCountsTheArrival() throws Exception {
        byte[] original = "Subject: bare LF\nX: y\n\nbody with a lone CR\r here\n.\n..\n".getBytes(StandardCharsets.UTF_8);
        try (LogCapture log = new LogCapture()) {
            String id = admit(ReasonKind.UNKNOWN_USER, original, "nobody@example.test");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(original.length, queue.export(id, out));
            assertArrayEquals(original, out.toByteArray());
            try (InputStream eml = queue.openOriginal(id)) {
                assertArrayEquals(original, eml.readAllBytes());
            }
            assertEquals(1, metrics.get("arrived:unknown_user"));
            assertEquals(1, log.lines("admitted").size());
            assertTrue(log.lines("admitted").get(0).contains("kind=unknown_user"), log.lines().toString());
        }
    }

    @Test
    void anUnknownKindIsStoredButCountedAsOther() throws Exception {
        admit("martian", message("m", "b"), "nobody@example.test");
        assertEquals(1, metrics.get("arrived:other"));
        assertEquals("martian", queue.list(BadmailFilter.ALL, 0, 10).items().get(0).reason().kind());
    }

    @Test
    void admitWithoutRecipientsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> queue.admit(envelope(clock), reason(clock, "loop"),
                in(message("s", "b"))));
        assertEquals(0, store.size());
    }

    @Test
    void listFiltersByKindRecipientDomainAndAge() throws Exception {
        admit(ReasonKind.UNKNOWN_USER, message("a", "1"), "nobody@example.test");
        clock.advance(Duration.ofDays(2));
        admit(ReasonKind.DANGLING_ALIAS, message("b", "2"), "sales@example.test");
        clock.advance(Duration.ofDays(2));
        admit(ReasonKind.UNKNOWN_USER, message("c", "3"), "Nobody@Other.TEST");

        assertEquals(List.of("a", "c"), subjects(queue.list(BadmailFilter.ofKind("unknown_user"), 0, 10)));
        assertEquals(List.of("a"), subjects(queue.list(BadmailFilter.ALL.withRecipient("NOBODY@example.test"), 0, 10)));
        assertEquals(List.of("a"), subjects(queue.list(BadmailFilter.ALL.withRecipient("nobody@example.test")
                .withDomain("example.test"), 0, 10)));
        assertEquals(List.of("b"), subjects(queue.list(BadmailFilter.ALL.withDomain("EXAMPLE.test.")
                .withKind("dangling_alias"), 0, 10)));
        assertEquals(List.of("c"), subjects(queue.list(BadmailFilter.ALL.withDomain("other.test"), 0, 10)));
        assertEquals(List.of("a", "b"), subjects(queue.list(BadmailFilter.ALL.withOlderThan(Duration.ofDays(1)),
                0, 10)));
        assertEquals(List.of("a"), subjects(queue.list(BadmailFilter.ALL.withOlderThan(Duration.ofDays(3)), 0, 10)));
    }

    @Test
    void listPagesOldestFirstAndSaysWhetherMoreFollow() throws Exception {
        for (int i = 0; i < 5; i++) {
            admit(ReasonKind.UNKNOWN_USER, message("m" + i, "b"), "nobody@example.test");
            clock.advance(Duration.ofSeconds(1));
        }
        BadmailPage first = queue.list(BadmailFilter.ALL, 0, 2);
        assertEquals(List.of("m0", "m1"), subjects(first));
        assertTrue(first.more());
        BadmailPage last = queue.list(BadmailFilter.ALL, 4, 2);
        assertEquals(List.of("m4"), subjects(last));
        assertFalse(last.more());
        assertEquals(4, last.offset());
        assertThrows(IllegalArgumentException.class, () -> queue.list(BadmailFilter.ALL, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> queue.list(BadmailFilter.ALL, 0, 0));
    }

    @Test
    void aPageIsNeverLargerThanTheConfiguredMaximum() throws Exception {
        BadmailQueue small = new BadmailQueue(store, store, store, BadmailConfig.DEFAULTS.withMaxPageSize(3), clock,
                metrics);
        for (int i = 0; i < 5; i++) {
            admit(ReasonKind.UNKNOWN_USER, message("m" + i, "b"), "nobody@example.test");
        }
        BadmailPage page = small.list(BadmailFilter.ALL, 0, 1000);
        assertEquals(3, page.items().size());
        assertTrue(page.more());
    }

    @Test
    void showGivesEnvelopeReasonAndHeadersOnly() throws Exception {
        byte[] original = ("Received: from a\r\n\tby b; Sun, 1 Nov 2026 09:59:00 +0000\r\n"
                + "From: Alice <alice@remote.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= und\r\n  mehr\r\n"
                + "\r\nSubject: not a header, body\r\n").getBytes(StandardCharsets.UTF_8);
        String id = admit(ReasonKind.DANGLING_ALIAS, original, "sales@example.test");
        BadmailDetail d = queue.show(id);
        assertEquals("sales@example.test", d.item().envelope().recipients().get(0));
        assertEquals("192.0.2.7", d.item().envelope().clientAddress());
        assertEquals("mx.remote.test", d.item().envelope().helo());
        assertEquals("sender@remote.test", d.item().envelope().sender());
        assertEquals(ReasonKind.DANGLING_ALIAS, d.item().reason().kind());
        assertEquals(550, d.item().reason().code());
        assertEquals("5.1.1", d.item().reason().enhancedStatus());
        assertEquals(List.of("Received", "From", "Subject"), d.headers().stream().map(BadmailDetail.Header::name).toList());
        assertEquals(List.of("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= und  mehr"), d.values("subject"));
        assertEquals(List.of("from a\tby b; Sun, 1 Nov 2026 09:59:00 +0000"), d.values("Received"));
        assertFalse(d.truncated());
    }

    @Test
    void unknownIdsAreNotFound() {
        assertThrows(NotFoundException.class, () -> queue.show("nope"));
        assertThrows(NotFoundException.class, () -> queue.openOriginal("nope"));
        assertThrows(NotFoundException.class, () -> queue.redeliver("nope"));
    }

    @Test
    void deleteRemovesOneItemAndCountsIt() throws Exception {
        String a = admit(ReasonKind.UNKNOWN_USER, message("a", "1"), "nobody@example.test");
        String b = admit(ReasonKind.LOOP, message("b", "2"), "nobody@example.test");
        assertTrue(queue.delete(a));
        assertFalse(queue.delete(a));
        assertEquals(List.of(b), queue.list(BadmailFilter.ALL, 0, 10).items().stream().map(BadmailItem::id).toList());
        assertEquals(1, metrics.get("deleted:unknown_user"));
    }

    @Test
    void purgeRemovesOnlyWhatMatches() throws Exception {
        admit(ReasonKind.UNKNOWN_USER, message("a", "1"), "nobody@example.test");
        admit(ReasonKind.LOOP, message("b", "2"), "nobody@example.test");
        admit(ReasonKind.UNKNOWN_USER, message("c", "3"), "nobody@other.test");
        assertEquals(1, queue.purge(BadmailFilter.ofKind("unknown_user").withDomain("example.test")));
        assertEquals(List.of("b", "c"), subjects(queue.list(BadmailFilter.ALL, 0, 10)));
        assertEquals(2, queue.purge(BadmailFilter.ALL));
        assertEquals(0, queue.status().items());
    }

    @Test
    void purgeRemovesMoreThanOneBatch() throws Exception {
        for (int i = 0; i < PagedRemoval.BATCH * 2 + 7; i++) {
            queue.admit(envelope(clock, "nobody@example.test"), reason(clock, "loop"), in(message("m", "b")));
        }
        assertEquals(PagedRemoval.BATCH * 2 + 7, queue.purge(BadmailFilter.ofKind("loop")));
        assertEquals(0, store.size());
    }

    @Test
    void statusGivesItemsBytesAndTheOldestAge() throws Exception {
        assertTrue(queue.status().oldestAge().isEmpty());
        admit(ReasonKind.UNKNOWN_USER, Items.sized("a", 1000), "nobody@example.test");
        clock.advance(Duration.ofHours(1));
        admit(ReasonKind.UNKNOWN_USER, Items.sized("b", 500), "nobody@example.test");
        clock.advance(Duration.ofMinutes(30));
        BadmailStatus s = queue.status();
        assertEquals(2, s.items());
        assertEquals(1500, s.octets());
        assertEquals(Duration.ofMinutes(90), s.oldestAge().orElseThrow());
        assertEquals(BadmailConfig.DEFAULT_MAX_TOTAL_BYTES, s.maxTotalBytes());
    }

    private List<String> subjects(BadmailPage page) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (BadmailItem i : page.items()) {
            out.add(queue.show(i.id()).values("Subject").get(0));
        }
        return out;
    }
}
