package org.postkontor.smtp.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.badmail.ReasonKind;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.smtp.filter.Verdict.Action;
import org.postkontor.smtp.filter.Verdict.HeaderField;
import org.postkontor.smtp.testing.FakeFilter;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;

/**
 * The SMTP listener with a fake filter on a real store: what each verdict does to the reply, the
 * mailbox and the badmail queue, as a sending server would see it.
 */
class FilteringTest {

    private static final String MESSAGE = "From: <sender@remote.test>\r\nTo: <alice@example.test>\r\n"
            + "Subject: offer\r\nX-Spam-Status: No, score=-100 (forged by the sender)\r\n"
            + "Message-ID: <f1@remote.test>\r\n\r\nbody line\r\n";

    private final FakeFilter filter = new FakeFilter();
    private final Counting metrics = new Counting();
    private RealStack stack;
    private SmtpServer server;

    @BeforeEach
    void start() throws Exception {
        stack = new RealStack(null, SmtpMetrics.NOOP, false);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ofSeconds(2));
        }
        stack.close();
    }

    private void listen(Filtering.OnError onError, OptionalDouble quarantineScore) {
        server = stack.newServer(SmtpConfig.builder().tarpitDelay(Duration.ZERO).tarpitStep(Duration.ZERO),
                metrics, false, new Filtering(filter, onError, quarantineScore, Set.of("CLAM_VIRUS")));
    }

    private void listen() {
        listen(Filtering.OnError.TEMPFAIL, OptionalDouble.empty());
    }

    /** One transaction with DATA; the reply to the end of data. */
    private String send(String rcpt, String message) throws Exception {
        return SmtpTestClient.transaction(server.port(), "client.remote.test", "sender@remote.test", rcpt, message);
    }

    private static Verdict verdict(Action action, double score, List<HeaderField> add, Map<String, Integer> remove) {
        return new Verdict(action, score, Optional.empty(), add, remove, Optional.empty(), Set.of());
    }

    @Test
    void rejectIs550WithTheFiltersTextAndNothingIsStored() throws Exception {
        listen();
        filter.answer(new Verdict(Action.REJECT, 15, Optional.of("Gtube pattern\r\nInjected: line"), List.of(), Map.of(),
                Optional.empty(), Set.of("GTUBE")));
        assertEquals("550 5.7.1 Gtube pattern??Injected: line", send("alice@example.test", MESSAGE));
        assertEquals(0, stack.storedMessages());
        assertEquals(0, stack.badmailItems());
        assertEquals(1, metrics.filter.get(SmtpMetrics.FilterResult.REJECTED).get());
        assertEquals(1, metrics.rejections.get(SmtpMetrics.Reason.SPAM).get());
    }

    @Test
    void theFilterSeesTheEnvelopeAndTheDataAsReceived() throws Exception {
        listen();
        send("alice+tag@example.test", MESSAGE);
        Envelope e = filter.envelopes().getFirst();
        assertEquals("127.0.0.1", e.clientIp());
        assertEquals(Optional.of("client.remote.test"), e.helo());
        assertEquals("sender@remote.test", e.sender());
        assertEquals(List.of("alice+tag@example.test"), e.recipients());
        assertEquals("mx.example.test", e.serverName());
        assertFalse(e.authenticated());
        assertEquals(MESSAGE, new String(filter.messages().getFirst(), StandardCharsets.UTF_8));
        String stored = new String(stack.messages("alice@example.test").getFirst(), StandardCharsets.UTF_8);
        assertTrue(stored.contains(" id " + e.queueId() + "\r\n"), "the Received id is the filter's Queue-Id\n" + stored);
    }

    @Test
    void addHeaderPutsTheFiltersFieldsOnTopAndRemovesTheForgedOnes() throws Exception {
        listen();
        filter.answer(verdict(Action.ADD_HEADER, 7.5,
                List.of(new HeaderField("Authentication-Results", "mx.example.test;\r\n\tspf=pass smtp.mailfrom=remote.test"),
                        new HeaderField("X-Spam-Status", "Yes, score=7.50"), new HeaderField("X-Spam", "Yes")),
                Map.of("x-spam-status", 0, "x-spam", 0, "authentication-results", 0)));
        assertTrue(send("alice@example.test", MESSAGE).startsWith("250 2.0.0 Ok: queued as "));
        String body = RealStack.body(stack.messages("alice@example.test").getFirst());
        assertEquals("Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=remote.test\r\n"
                + "X-Spam-Status: Yes, score=7.50\r\nX-Spam: Yes\r\n"
                + MESSAGE.replace("X-Spam-Status: No, score=-100 (forged by the sender)\r\n", ""), body);
        assertEquals(1, metrics.filter.get(SmtpMetrics.FilterResult.TAGGED).get());
    }

    @Test
    void rewriteSubjectReplacesTheSubject() throws Exception {
        listen();
        filter.answer(new Verdict(Action.REWRITE_SUBJECT, 6, Optional.empty(), List.of(), Map.of(),
                Optional.of("*** SPAM *** offer"), Set.of()));
        send("alice@example.test", MESSAGE);
        String body = RealStack.body(stack.messages("alice@example.test").getFirst());
        assertTrue(body.startsWith("Subject: *** SPAM *** offer\r\nFrom: <sender@remote.test>\r\n"), body);
        assertFalse(body.contains("Subject: offer"), body);
    }

    @Test
    void aScoreAtTheQuarantineScoreGoesToBadmailAsSpamAndCanBeReleased() throws Exception {
        listen(Filtering.OnError.TEMPFAIL, OptionalDouble.of(8));
        filter.answer(verdict(Action.ADD_HEADER, 9.25, List.of(), Map.of()));
        assertEquals("250 2.0.0 Ok: queued as badmail", send("alice@example.test", MESSAGE));
        assertEquals(0, stack.storedMessages());
        List<BadmailItem> items = stack.store().badmail().list(BadmailQuery.ALL);
        assertEquals(1, items.size());
        BadmailItem item = items.getFirst();
        assertEquals(ReasonKind.SPAM, item.reason().kind());
        assertEquals(List.of("alice@example.test"), item.envelope().recipients());
        assertEquals("Quarantined as spam: score 9.25, quarantine at 8.00", item.reason().text());
        assertEquals(1, metrics.filter.get(SmtpMetrics.FilterResult.QUARANTINED).get());

        stack.badmail().redeliver(item.id(), List.of());
        String released = new String(stack.messages("alice@example.test").getFirst(), StandardCharsets.UTF_8);
        assertTrue(released.endsWith("\r\n" + MESSAGE), released);
        assertEquals(0, stack.badmailItems());
    }

    @Test
    void belowTheQuarantineScoreIsDelivered() throws Exception {
        listen(Filtering.OnError.TEMPFAIL, OptionalDouble.of(8));
        filter.answer(verdict(Action.ADD_HEADER, 7.99, List.of(), Map.of()));
        assertTrue(send("alice@example.test", MESSAGE).startsWith("250 2.0.0 Ok: queued as "));
        assertEquals(1, stack.storedMessages());
    }

    @Test
    void softRejectIs451AndGreylistAloneIsDelivered() throws Exception {
        listen();
        filter.answer(verdict(Action.SOFT_REJECT, 4, List.of(), Map.of()));
        assertEquals("451 4.7.1 Message deferred by the content filter, try again later",
                send("alice@example.test", MESSAGE));
        filter.answer(verdict(Action.GREYLIST, 4, List.of(), Map.of()));
        assertTrue(send("alice@example.test", MESSAGE).startsWith("250 "));
        assertEquals(1, stack.storedMessages());
    }

    @Test
    void aVirusIs554WhateverTheAction() throws Exception {
        listen();
        filter.answer(new Verdict(Action.NO_ACTION, 0, Optional.empty(), List.of(), Map.of(), Optional.empty(),
                Set.of("CLAM_VIRUS", "MIME_GOOD")));
        assertEquals("554 5.7.1 Message rejected: it contains a virus", send("alice@example.test", MESSAGE));
        assertEquals(0, stack.storedMessages());
        assertEquals(1, metrics.filter.get(SmtpMetrics.FilterResult.VIRUS).get());
    }

    @Test
    void noVerdictIs451WithTempfail() throws Exception {
        listen(Filtering.OnError.TEMPFAIL, OptionalDouble.empty());
        filter.fail(FilterException.Kind.TIMEOUT);
        assertEquals("451 4.7.1 Content filter unavailable, try again later", send("alice@example.test", MESSAGE));
        assertEquals(0, stack.storedMessages());
        assertEquals(1, metrics.errors.get(FilterException.Kind.TIMEOUT).get());
        assertEquals(1, metrics.filter.get(SmtpMetrics.FilterResult.TEMPFAILED).get());
    }

    @Test
    void noVerdictIsDeliveredMarkedNotScannedWithAccept() throws Exception {
        listen(Filtering.OnError.ACCEPT, OptionalDouble.empty());
        filter.fail(FilterException.Kind.UNAVAILABLE);
        assertTrue(send("alice@example.test", MESSAGE).startsWith("250 "));
        assertEquals("X-Postkontor-Filter: not scanned (filter unavailable)\r\n" + MESSAGE,
                RealStack.body(stack.messages("alice@example.test").getFirst()));
        assertEquals(1, metrics.filter.get(SmtpMetrics.FilterResult.NOT_SCANNED).get());
    }

    @Test
    void bdatIsScreenedToo() throws Exception {
        listen();
        filter.answer(verdict(Action.REJECT, 20, List.of(), Map.of()));
        byte[] data = MESSAGE.getBytes(StandardCharsets.UTF_8);
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 15_000)) {
            c.reply();
            c.send("EHLO client.remote.test");
            c.reply();
            c.send("MAIL FROM:<sender@remote.test>");
            c.reply();
            c.send("RCPT TO:<alice@example.test>");
            c.reply();
            c.send("BDAT " + data.length + " LAST");
            c.raw(data);
            assertEquals("550 5.7.1 Message rejected as spam", c.reply().getFirst());
        }
        assertEquals(0, stack.storedMessages());
    }

    @Test
    void aMessageLargerThanTheMemoryBufferStreamsToTheFilter() throws Exception {
        listen();
        StringBuilder big = new StringBuilder(MESSAGE);
        while (big.length() < 1_000_000) {
            big.append("0123456789".repeat(7)).append("\r\n");
        }
        assertTrue(send("alice@example.test", big.toString()).startsWith("250 "));
        assertEquals(big.toString(), new String(filter.messages().getFirst(), StandardCharsets.UTF_8));
        assertEquals(0, stack.leftoverTempFiles());
    }

    /** Counts what the listener reports. */
    static final class Counting implements SmtpMetrics {
        final Map<FilterResult, AtomicInteger> filter = new ConcurrentHashMap<>();
        final Map<FilterException.Kind, AtomicInteger> errors = new ConcurrentHashMap<>();
        final Map<Reason, AtomicInteger> rejections = new ConcurrentHashMap<>();

        Counting() {
            for (FilterResult r : FilterResult.values()) {
                filter.put(r, new AtomicInteger());
            }
            for (FilterException.Kind k : FilterException.Kind.values()) {
                errors.put(k, new AtomicInteger());
            }
            for (Reason r : Reason.values()) {
                rejections.put(r, new AtomicInteger());
            }
        }

        @Override
        public void filterResult(FilterResult result) {
            filter.get(result).incrementAndGet();
        }

        @Override
        public void filterError(FilterException.Kind kind) {
            errors.get(kind).incrementAndGet();
        }

        @Override
        public void rejection(Reason reason) {
            rejections.get(reason).incrementAndGet();
        }
    }
}
