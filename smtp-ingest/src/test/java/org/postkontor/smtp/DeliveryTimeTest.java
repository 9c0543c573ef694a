package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.Administration;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.MailAddress;
import org.slf4j.LoggerFactory;

/**
 * Mailboxes that change between RCPT and the end of data (real store): refused at delivery time,
 * the message goes to the others and to badmail, or nowhere with the right reply. Also the
 * metrics hooks and the one log line per transaction.
 */
class DeliveryTimeTest {

    private static void transaction(SmtpTestClient c, String rcpt, Runnable beforeData) throws Exception {
        c.send("MAIL FROM:<sender@remote.test>");
        assertEquals("250 2.1.0 Ok", c.line());
        c.send("RCPT TO:<" + rcpt + ">");
        assertEquals("250 2.1.5 Ok", c.line());
        beforeData.run();
        c.send("DATA");
        assertTrue(c.line().startsWith("354 "));
        c.send("Subject: late\r\n\r\nbody\r\n.");
    }

    private static SmtpTestClient open(RealStack stack) throws Exception {
        SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000);
        c.line();
        c.send("EHLO client.test");
        c.reply();
        return c;
    }

    private static void run(ThrowingRunnable r) {
        try {
            r.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void mailboxFullOrDisabledSinceRcptGetsNothingStored() throws Exception {
        try (RealStack stack = new RealStack(SmtpConfig.builder()); SmtpTestClient c = open(stack)) {
            Administration admin = stack.store().admin();
            long before = stack.storedMessages();
            transaction(c, "alice@example.test",
                    () -> run(() -> admin.setQuota(MailAddress.parse("alice@example.test"), new Administration.Quota(1, 0))));
            assertEquals("452 4.2.2 Mailbox full, try again later", c.line());
            transaction(c, "bob@example.test",
                    () -> run(() -> admin.setEnabled(MailAddress.parse("bob@example.test"), false)));
            assertEquals("550 5.2.1 Mailbox disabled, not accepting messages", c.line());
            assertEquals(before, stack.storedMessages());
            assertEquals(0, stack.badmailItems());
        }
    }

    @Test
    void oneAliasMemberDisabledSinceRcptGoesToBadmail() throws Exception {
        try (RealStack stack = new RealStack(SmtpConfig.builder()); SmtpTestClient c = open(stack)) {
            Administration admin = stack.store().admin();
            transaction(c, "team@example.test",
                    () -> run(() -> admin.setEnabled(MailAddress.parse("bob@example.test"), false)));
            assertTrue(c.line().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals(1, stack.messages("alice@example.test").size());
            List<BadmailItem> items = stack.store().badmail().list(BadmailQuery.ALL);
            assertEquals(1, items.size());
            assertEquals("mailbox_disabled", items.get(0).reason().kind());
            assertEquals(List.of("bob@example.test"), items.get(0).envelope().recipients());
            assertEquals("sender@remote.test", items.get(0).envelope().sender());
        }
    }

    @Test
    void metricsAndOneLogLinePerTransaction() throws Exception {
        Counting metrics = new Counting();
        Logger logger = (Logger) LoggerFactory.getLogger("postkontor.smtp");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        Level old = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.addAppender(lines);
        try (RealStack stack = new RealStack(SmtpConfig.builder(), metrics, false)) {
            try (SmtpTestClient c = open(stack)) {
                c.send("MAIL FROM:<sender@remote.test>");
                c.line();
                c.send("RCPT TO:<x@elsewhere.test>");
                assertTrue(c.line().startsWith("554 5.7.1"));
                c.send("RCPT TO:<alice@example.test>");
                c.line();
                c.send("DATA");
                c.line();
                c.send("Subject: counted\r\n\r\n.");
                assertTrue(c.line().startsWith("250 2.0.0 Ok: queued as "));
                c.send("QUIT");
                c.line();
                assertTrue(c.closedByServer());
            }
            for (int i = 0; i < 100 && metrics.get("connectionClosed") == 0; i++) {
                Thread.sleep(20);
            }
        } finally {
            logger.detachAppender(lines);
            logger.setLevel(old);
        }
        assertEquals(1, metrics.get("connectionOpened"));
        assertEquals(1, metrics.get("connectionClosed"));
        assertEquals(1, metrics.get("transaction:accepted"));
        assertEquals(1, metrics.get("rejection:relay_denied"));
        assertEquals(1, metrics.get("recipientAccepted"));
        assertEquals(1, metrics.get("acceptLatency"));
        assertEquals(1, metrics.get("badmailHandover") + 1);
        assertEquals("Subject: counted\r\n\r\n".length(), metrics.get("bytesReceived"));
        List<String> tx = lines.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(" tx=")).toList();
        assertEquals(1, tx.size(), tx.toString());
        String l = tx.get(0);
        for (String part : new String[] {"session=", " client=127.0.0.1 ", " helo=client.test ",
            " from=<sender@remote.test> ", " rcpts=1 ", " size=" + "Subject: counted\r\n\r\n".length() + " ",
            " result=accepted ", " queue=", " tls=none"}) {
            assertTrue(l.contains(part), part + " missing in: " + l);
        }
    }

    static final class Counting implements SmtpMetrics {
        private final Map<String, AtomicLong> c = new ConcurrentHashMap<>();

        private void add(String k, long n) {
            c.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(n);
        }

        long get(String k) {
            AtomicLong v = c.get(k);
            return v == null ? 0 : v.get();
        }

        @Override public void connectionOpened() { add("connectionOpened", 1); }
        @Override public void connectionClosed() { add("connectionClosed", 1); }
        @Override public void transaction(Result r) { add("transaction:" + r.label(), 1); }
        @Override public void rejection(Reason r) { add("rejection:" + r.label(), 1); }
        @Override public void bytesReceived(long n) { add("bytesReceived", n); }
        @Override public void recipientAccepted() { add("recipientAccepted", 1); }
        @Override public void acceptLatency(Duration d) { add("acceptLatency", 1); }
        @Override public void badmailHandover() { add("badmailHandover", 1); }
    }
}
