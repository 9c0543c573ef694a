package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.badmail.Items.envelope;
import static org.postkontor.badmail.Items.in;
import static org.postkontor.badmail.Items.message;
import static org.postkontor.badmail.Items.reason;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.ConflictException;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Receipt;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.postkontor.store.testing.MutableClock;

class RedeliveryTest {

    private final MutableClock clock = MutableClock.at("2026-11-01T10:00:00Z");
    private final FakeMailStore store = new FakeMailStore()
            .domain("example.test", new RecipientPolicy.Badmail())
            .user("bob@example.test").user("carol@example.test").user("dave@example.test");
    private final CountingMetrics metrics = new CountingMetrics();
    private final BadmailQueue queue = new BadmailQueue(store, store, store,
            BadmailConfig.DEFAULTS.withHostName("mx.example.test"), clock, metrics);

    private String admit(String kind, byte[] original, String... recipients) throws Exception {
        queue.admit(envelope(clock, recipients), reason(clock, kind), in(original));
        List<BadmailItem> all = store.list(BadmailQuery.ALL);
        return all.get(all.size() - 1).id();
    }

    @Test
    void redeliverToACorrectedAddressDeliversOnceAndRemovesTheItem() throws Exception {
        byte[] original = message("for bob", "Hello Bob");
        String id = admit(ReasonKind.UNKNOWN_USER, original, "bbo@example.test");

        Redelivery r = queue.redeliver(id, List.of(MailAddress.parse("Bob@Example.test")));

        assertEquals(List.of(MailAddress.parse("bob@example.test")), r.delivered());
        assertTrue(r.removed());
        assertTrue(r.queueId().isPresent());
        assertTrue(r.remainder().isEmpty());
        assertEquals(0, store.size(), "the badmail item is gone");
        List<String> inbox = store.mailbox("bob@example.test");
        assertEquals(1, inbox.size());
        String got = inbox.get(0);
        assertTrue(got.startsWith("Delivered-To: bob@example.test\r\nReturn-Path: <sender@remote.test>\r\n"
                + "Received: from mx.remote.test (192.0.2.7)\r\n\tby mx.example.test with badmail id " + id + ";\r\n"
                + "\tSun, 1 Nov 2026 10:00:00 +0000\r\nX-Postkontor-Badmail-Id: " + id + "\r\n"), got);
        assertTrue(got.endsWith(new String(original, StandardCharsets.UTF_8)), "the original follows unchanged");
        assertEquals(1, metrics.get("redelivered:unknown_user"));
    }

    @Test
    void redeliverToTheOriginalRecipientsResolvesThemNow() throws Exception {
        store.alias("team@example.test", "carol@example.test", "dave@example.test");
        String id = admit(ReasonKind.DANGLING_ALIAS, message("team", "x"), "team@example.test", "bob+news@example.test");

        Redelivery r = queue.redeliver(id);

        assertEquals(List.of("carol@example.test", "dave@example.test", "bob@example.test"),
                r.delivered().stream().map(MailAddress::toString).toList());
        assertEquals(1, store.mailbox("carol@example.test").size());
        assertEquals(1, store.mailbox("dave@example.test").size());
        assertEquals(1, store.mailbox("bob@example.test").size());
        assertEquals(0, store.size());
    }

    @Test
    void plusAddressesResolveToTheUserBeforeACatchAll() throws Exception {
        store.domain("catch.test", new RecipientPolicy.CatchAll("postmaster")).user("postmaster@catch.test")
                .user("erin@catch.test");
        String id = admit(ReasonKind.UNKNOWN_USER, message("tagged", "b"), "erin+news@catch.test");
        assertEquals(List.of(MailAddress.parse("erin@catch.test")), queue.redeliver(id).delivered());

        BadmailQueue noPlus = new BadmailQueue(store, store, store, BadmailConfig.DEFAULTS.withPlusSeparator('\0'),
                clock, metrics);
        String id2 = admit(ReasonKind.UNKNOWN_USER, message("tagged2", "b"), "erin+news@catch.test");
        assertEquals(List.of(MailAddress.parse("postmaster@catch.test")), noPlus.redeliver(id2).delivered(),
                "with plus-addressing off the whole local part is unknown and the catch-all takes it");
    }

    @Test
    void anUnresolvableRecipientDeliversNothingAndKeepsTheItem() throws Exception {
        String id = admit(ReasonKind.UNKNOWN_USER, message("m", "b"), "bob@example.test", "ghost@example.test");

        UnresolvedRecipientException e = assertThrows(UnresolvedRecipientException.class, () -> queue.redeliver(id));
        assertEquals(List.of("ghost@example.test"), e.recipients());
        assertThrows(UnresolvedRecipientException.class,
                () -> queue.redeliver(id, List.of(MailAddress.parse("bob@elsewhere.test"))));
        assertEquals(List.of(), store.mailbox("bob@example.test"));
        assertEquals(1, store.size());
        assertEquals(2, metrics.get("redelivery_failed:unknown_user"));
    }

    @Test
    void whenNoMailboxTakesItTheItemStays() throws Exception {
        store.fill("bob@example.test");
        String id = admit(ReasonKind.MAILBOX_FULL, message("m", "b"), "bob@example.test");

        Redelivery r = queue.redeliver(id);

        assertFalse(r.removed());
        assertEquals(Map.of(MailAddress.parse("bob@example.test"), DeliveryCheck.OVER_QUOTA), r.refused());
        assertEquals(List.of(id), store.list(BadmailQuery.ALL).stream().map(BadmailItem::id).toList());
        assertEquals(1, metrics.get("redelivery_failed:mailbox_full"));
    }

    @Test
    void aPartialDeliveryLeavesANewItemForTheRefusedMailboxes() throws Exception {
        store.disable("dave@example.test");
        byte[] original = message("partial", "b");
        String id = admit(ReasonKind.UNKNOWN_USER, original, "carol@example.test", "dave@example.test");
        clock.advance(java.time.Duration.ofHours(1));

        Redelivery r = queue.redeliver(id);

        assertEquals(List.of(MailAddress.parse("carol@example.test")), r.delivered());
        String rest = r.remainder().orElseThrow();
        BadmailItem item = queue.item(rest);
        assertEquals(List.of("dave@example.test"), item.envelope().recipients());
        assertEquals(ReasonKind.MAILBOX_DISABLED, item.reason().kind());
        assertEquals("5.2.1", item.reason().enhancedStatus());
        assertEquals(java.time.Instant.parse("2026-11-01T10:00:00Z"), item.envelope().received(),
                "the remainder keeps the original received time, so retention is not extended");
        assertEquals(new String(original, StandardCharsets.UTF_8),
                new String(queue.openOriginal(rest).readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(queue.item(rest) != null && store.get(id).isEmpty());
        assertEquals(1, store.mailbox("carol@example.test").size());
    }

    /**
     * At least once: a crash after the delivery committed and before the item was removed leaves
     * the message in the mailbox and the item in badmail. The copy carries the item id, and the
     * log says the delivery was committed.
     */
    @Test
    void aCrashBetweenDeliveryAndRemovalLeavesTheItemAndOneDeliveredCopy() throws Exception {
        String id = admit(ReasonKind.UNKNOWN_USER, message("crash", "b"), "bbo@example.test");
        store.removeFails = true;
        try (LogCapture log = new LogCapture()) {
            assertThrows(StoreException.class, () -> queue.redeliver(id, List.of(MailAddress.parse("bob@example.test"))));
            assertEquals(1, log.lines("redelivery_committed").size());
            assertTrue(log.lines("redelivery_committed").get(0).contains("id=" + id));
        }
        store.removeFails = false;

        // "After the restart": the item is still listed, and bob has exactly one copy, marked with its id.
        assertTrue(store.get(id).isPresent());
        List<String> inbox = store.mailbox("bob@example.test");
        assertEquals(1, inbox.size());
        assertTrue(inbox.get(0).contains("X-Postkontor-Badmail-Id: " + id + "\r\n"));

        // Redelivering again is the documented at-least-once outcome: a second copy, then the item goes.
        queue.redeliver(id, List.of(MailAddress.parse("bob@example.test")));
        assertEquals(2, store.mailbox("bob@example.test").size());
        assertTrue(store.get(id).isEmpty());
    }

    @Test
    void aSecondRedeliveryOfTheSameItemWhileTheFirstRunsIsRefused() throws Exception {
        String id = admit(ReasonKind.UNKNOWN_USER, message("twice", "b"), "bob@example.test");
        CountDownLatch inDeliver = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Spool slow = new Spool() {
            @Override
            public DeliveryCheck check(MailAddress mailbox, long sizeHint) {
                return store.check(mailbox, sizeHint);
            }

            @Override
            public Receipt deliver(Collection<MailAddress> mailboxes, java.io.InputStream message) throws StoreException {
                inDeliver.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return store.deliver(mailboxes, message);
            }

            @Override
            public Receipt deliver(MailAddress mailbox, String uidl, java.io.InputStream message) {
                throw new UnsupportedOperationException();
            }
        };
        BadmailQueue q = new BadmailQueue(store, store, slow, BadmailConfig.DEFAULTS, clock, metrics);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Redelivery> first = pool.submit(() -> q.redeliver(id));
            assertTrue(inDeliver.await(30, TimeUnit.SECONDS));
            assertThrows(ConflictException.class, () -> q.redeliver(id));
            assertThrows(ConflictException.class, () -> q.delete(id));
            assertTrue(q.sweep().evicted() == 0, "retention leaves an item being redelivered alone");
            release.countDown();
            assertTrue(first.get(30, TimeUnit.SECONDS).removed());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals(1, store.mailbox("bob@example.test").size());
    }
}
