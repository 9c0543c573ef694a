package org.postkontor.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postkontor.store.Administration;
import org.postkontor.store.DkimKey;
import org.postkontor.store.Maildrop;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.submit.testing.SubmissionStack;
import org.postkontor.submit.testing.TlsClient;

/**
 * What submission does with an authenticated user's mail: local recipients into their mailboxes,
 * remote ones into the outbound queue, Date and Message-ID added, signed with the domain's keys;
 * and the hourly limits, counted in metrics when they trip.
 */
class SubmissionPolicyTest {

    /** Counts what a test looks at. */
    static final class Counting implements SubmissionMetrics {
        final Map<Limit, AtomicInteger> limited = new ConcurrentHashMap<>();
        final AtomicInteger signed = new AtomicInteger();

        @Override
        public void rateLimited(Limit limit) {
            limited.computeIfAbsent(limit, k -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void dkimSigned(String algorithm) {
            signed.incrementAndGet();
        }
    }

    private static TlsClient login(SubmissionStack s) throws Exception {
        TlsClient c = new TlsClient(s.implicit.port(), true);
        assertTrue(c.greetAndLogIn().startsWith("235"));
        return c;
    }

    private static String send(TlsClient c, List<String> rcpts, String body) throws Exception {
        c.send("MAIL FROM:<alice@example.test>");
        assertTrue(c.line().startsWith("250"));
        for (String r : rcpts) {
            c.send("RCPT TO:<" + r + ">");
            String reply = c.line();
            if (!reply.startsWith("250")) {
                c.send("RSET");
                c.line();
                return reply;
            }
        }
        c.send("DATA");
        c.line();
        c.send(body.replace("\n", "\r\n") + ".");
        return c.line();
    }

    @Test
    void localMailIsDeliveredRemoteMailQueuedBothSignedWithDateAndMessageIdAdded() throws Exception {
        Counting metrics = new Counting();
        try (SubmissionStack s = new SubmissionStack(SubmissionStack.config(), metrics)) {
            s.store.store().dkimKeys().put(DkimKey.generate("example.test", "t1", DkimKey.Algorithm.RSA_SHA256,
                    Instant.now()));
            s.store.store().dkimKeys().put(DkimKey.generate("example.test", "t2", DkimKey.Algorithm.ED25519_SHA256,
                    Instant.now()));
            try (TlsClient c = login(s)) {
                String reply = send(c, List.of("bob@example.test", "carol@remote.test"),
                        "From: Alice <alice@example.test>\nSubject: both\n\nHello.\n");
                assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
            }
            List<QueuedMessage> queued = s.store.store().outbound().list();
            assertEquals(1, queued.size());
            assertEquals("alice@example.test", queued.get(0).sender());
            assertEquals("carol@remote.test", queued.get(0).recipients().get(0).address());
            String remote;
            try (InputStream in = s.store.store().outbound().open(queued.get(0).id())) {
                remote = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String local;
            try (Maildrop m = s.store.store().maildrops().open(s.bob); InputStream in = m.open(m.listing().get(0))) {
                local = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            for (String msg : List.of(remote, local)) {
                assertTrue(msg.contains("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.test; s=t2;"),
                        msg);
                assertTrue(msg.contains("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=t1;"),
                        msg);
                assertTrue(msg.contains("\r\nDate: ") && msg.contains("\r\nMessage-ID: <"), msg);
                assertTrue(msg.contains("with ESMTPSA"), msg);
            }
            assertEquals(2, metrics.signed.get());
        }
    }

    @Test
    void hourlyLimitsRefuseWith451AndCount() throws Exception {
        Counting metrics = new Counting();
        SubmissionConfig tight = new SubmissionConfig("mail.example.test", 2, 3, Duration.ZERO);
        try (SubmissionStack s = new SubmissionStack(tight, metrics); TlsClient c = login(s)) {
            assertTrue(send(c, List.of("bob@example.test", "x@remote.test"), "Subject: 1\n\nx\n").startsWith("250"));
            assertTrue(send(c, List.of("y@remote.test"), "Subject: 2\n\nx\n").startsWith("250"));
            String third = send(c, List.of("z@remote.test"), "Subject: 3\n\nx\n");
            assertEquals("451 4.7.1 Sending rate limit reached (recipients per hour), try again later", third);
            assertEquals(1, metrics.limited.get(SubmissionMetrics.Limit.RECIPIENTS).get());
        }
        try (SubmissionStack s = new SubmissionStack(tight, metrics); TlsClient c = login(s)) {
            assertTrue(send(c, List.of("x@remote.test"), "Subject: 1\n\nx\n").startsWith("250"));
            assertTrue(send(c, List.of("x@remote.test"), "Subject: 2\n\nx\n").startsWith("250"));
            assertEquals("451 4.7.1 Sending rate limit reached (messages per hour), try again later",
                    send(c, List.of("x@remote.test"), "Subject: 3\n\nx\n"));
            assertEquals(1, metrics.limited.get(SubmissionMetrics.Limit.MESSAGES).get());
            assertEquals(2, s.store.store().outbound().list().size());
        }
    }

    @Test
    void aFullOrDisabledLocalMailboxRefusesItsRecipientInsteadOfLosingTheCopy() throws Exception {
        try (SubmissionStack s = new SubmissionStack(SubmissionStack.config(), new Counting()); TlsClient c = login(s)) {
            s.store.store().admin().setQuota(s.bob, new Administration.Quota(0, 1));
            assertTrue(send(c, List.of("bob@example.test"), "Subject: 1\n\nfirst\n").startsWith("250"));
            assertEquals("452 4.2.2 Mailbox full, try again later",
                    send(c, List.of("bob@example.test"), "Subject: 2\n\nsecond\n"));
            s.store.store().admin().setEnabled(s.bob, false);
            assertEquals("550 5.2.1 Mailbox disabled, not accepting messages",
                    send(c, List.of("bob@example.test"), "Subject: 3\n\nthird\n"));
            try (Maildrop m = s.store.store().maildrops().open(s.bob)) {
                assertEquals(1, m.listing().size());
            }
        }
    }
}
