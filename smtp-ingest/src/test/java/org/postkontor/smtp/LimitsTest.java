package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.testing.FakeStore;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.StoreException;
import org.postkontor.store.testing.MutableClock;

/** Limits, timeouts, vanishing clients, store failures and graceful stop, on real sockets. */
class LimitsTest {

    private static SmtpServer fake(FakeStore store, Consumer<SmtpConfig.Builder> tune) {
        return fake(store, tune, Clock.systemUTC());
    }

    private static SmtpServer fake(FakeStore store, Consumer<SmtpConfig.Builder> tune, Clock clock) {
        SmtpConfig.Builder b = SmtpConfig.builder().hostname("mx.example.test").tarpitDelay(Duration.ZERO)
                .tarpitStep(Duration.ZERO);
        tune.accept(b);
        SmtpServer s = new SmtpServer(b.build(), store, store, store, SmtpMetrics.NOOP, clock, null);
        s.start();
        return s;
    }

    /** Connects and waits for the greeting, so that sessions are counted in a known order. */
    private static SmtpTestClient greeted(SmtpServer s) throws Exception {
        SmtpTestClient c = new SmtpTestClient(s.port(), 10_000);
        String g = c.line();
        assertTrue(g.startsWith("220 "), g);
        return c;
    }

    private static void greet(SmtpTestClient c) throws Exception {
        assertTrue(c.line().startsWith("220 "));
        c.send("EHLO client.test");
        c.reply();
    }

    private static void toAlice(SmtpTestClient c) throws Exception {
        c.send("MAIL FROM:<sender@remote.test>");
        assertEquals("250 2.1.0 Ok", c.line());
        c.send("RCPT TO:<alice@example.test>");
        assertEquals("250 2.1.5 Ok", c.line());
    }

    @Test
    void connectionsPerIpAreLimited() throws Exception {
        SmtpServer s = fake(FakeStore.standard(), b -> b.maxConnectionsPerIp(2));
        try (SmtpTestClient a = greeted(s); SmtpTestClient b = greeted(s);
             SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
            assertEquals("421 4.7.0 Too many connections, try again later", c.line());
            assertTrue(c.closedByServer());
            a.send("QUIT");
            a.reply();
            assertTrue(a.closedByServer());
            // a slot is free again (the server notices a closed session within a moment)
            String greeting = null;
            for (int i = 0; i < 50 && (greeting == null || !greeting.startsWith("220")); i++) {
                try (SmtpTestClient d = new SmtpTestClient(s.port(), 10_000)) {
                    greeting = d.line();
                }
                Thread.sleep(20);
            }
            assertTrue(greeting.startsWith("220 "), greeting);
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void connectionsInAllAreLimited() throws Exception {
        SmtpServer s = fake(FakeStore.standard(), b -> b.maxConnections(1));
        try (SmtpTestClient a = greeted(s); SmtpTestClient b = new SmtpTestClient(s.port(), 10_000)) {
            assertTrue(b.line().startsWith("421 4.7.0 "));
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void idleClientTimesOutWith421() throws Exception {
        SmtpServer s = fake(FakeStore.standard(), b -> b.commandTimeout(Duration.ofMillis(300)));
        try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
            greet(c);
            assertEquals("421 4.4.2 Timeout waiting for data from client.", c.line());
            assertTrue(c.closedByServer());
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void stalledDataTimesOutAndStoresNothing() throws Exception {
        FakeStore store = FakeStore.standard();
        SmtpServer s = fake(store, b -> b.dataTimeout(Duration.ofMillis(300)));
        try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
            greet(c);
            toAlice(c);
            c.send("DATA");
            assertTrue(c.line().startsWith("354 "));
            c.send("Subject: half");
            assertEquals("421 4.4.2 Timeout waiting for data, closing connection", c.line());
            assertTrue(c.closedByServer());
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
        assertEquals(0, store.stored().size());
    }

    @Test
    void sessionLongerThanTheLimitIsClosed() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        SmtpServer s = fake(FakeStore.standard(), b -> b.sessionMaxDuration(Duration.ofMinutes(5)), clock);
        try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
            greet(c);
            c.send("NOOP");
            assertEquals("250 2.0.0 Ok", c.line(), "within the limit");
            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            c.send("NOOP");
            assertEquals("250 2.0.0 Ok", c.line());
            assertEquals("421 4.4.2 Session time limit reached, closing connection", c.line());
            assertTrue(c.closedByServer());
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void tarpitDelaysRepliesToBadCommands() throws Exception {
        SmtpServer s = fake(FakeStore.standard(), b -> b.tarpitDelay(Duration.ofMillis(100))
                .tarpitStep(Duration.ofMillis(100)));
        try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
            greet(c);
            long t0 = System.nanoTime();
            c.send("FOO");
            c.line();
            c.send("FOO");
            c.line();
            c.send("FOO");
            c.line();
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(took >= 600, "three bad commands should cost at least 100+200+300 ms, took " + took);
            long t1 = System.nanoTime();
            c.send("NOOP");
            assertEquals("250 2.0.0 Ok", c.line());
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void storeFailureIs451AndReserveIs452() throws Exception {
        FakeStore store = FakeStore.standard();
        SmtpServer s = fake(store, b -> {});
        try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
            greet(c);
            store.failDeliveries(new StoreException("disk on fire"));
            toAlice(c);
            c.send("DATA");
            c.line();
            c.send("Subject: x\r\n\r\n.");
            assertEquals("451 4.3.0 Local error in processing, try again later", c.line());
            store.failDeliveries(new InsufficientStorageException("reserve"));
            c.send("RSET");
            c.line();
            toAlice(c);
            c.send("DATA");
            c.line();
            c.send("Subject: x\r\n\r\n.");
            assertEquals("452 4.3.1 Insufficient system storage, try again later", c.line());
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
        assertEquals(0, store.stored().size());
    }

    @Test
    void clientVanishingMidDataOrBdatLeavesNothing() throws Exception {
        try (RealStack stack = new RealStack(SmtpConfig.builder().memoryBufferBytes(0))) {
            try (SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000)) {
                greet(c);
                toAlice(c);
                c.send("DATA");
                c.line();
                c.raw("Subject: gone\r\n\r\nhalf a mess".getBytes(StandardCharsets.US_ASCII));
            }
            try (SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000)) {
                greet(c);
                toAlice(c);
                c.raw("BDAT 100 LAST\r\nSubject: gone\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            try (SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000)) {
                greet(c);
                toAlice(c);
                c.raw("BDAT 5\r\nSubje".getBytes(StandardCharsets.US_ASCII));
                assertTrue(c.line().startsWith("250 2.0.0 "));
            }
            // the server keeps serving, and none of the three left a message or a temp file
            try (SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000)) {
                greet(c);
                toAlice(c);
                c.send("DATA");
                c.line();
                c.send("Subject: after\r\n\r\n.");
                assertTrue(c.line().startsWith("250 2.0.0 Ok: queued as "));
            }
            List<byte[]> m = stack.messages("alice@example.test");
            assertEquals(1, m.size());
            assertEquals("Subject: after\r\n\r\n", RealStack.body(m.get(0)));
            for (int i = 0; i < 100 && stack.leftoverTempFiles() > 0; i++) {
                Thread.sleep(20);
            }
            assertEquals(0, stack.leftoverTempFiles());
        }
    }

    @Test
    void stopFinishesTheTransactionInFlightAndRefusesNewSessions() throws Exception {
        FakeStore store = FakeStore.standard();
        SmtpServer s = fake(store, b -> {});
        try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000);
             SmtpTestClient idle = new SmtpTestClient(s.port(), 10_000)) {
            greet(c);
            greet(idle);
            toAlice(c);
            c.send("DATA");
            c.line();
            c.send("Subject: in flight");
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> s.stop(Duration.ofSeconds(10)));
            assertTrue(idle.closedByServer(), "an idle session is closed at stop");
            c.send("");
            c.send(".");
            assertTrue(c.line().startsWith("250 2.0.0 Ok: queued as "));
            stopping.get();
            assertEquals(1, store.stored().size());
            assertTrue(!s.isRunning());
        }
    }

    @Test
    void failedTlsHandshakeClosesOnlyThatConnection() throws Exception {
        FakeStore store = FakeStore.standard();
        SmtpConfig config = SmtpConfig.builder().hostname("mx.example.test").build();
        SmtpServer s = new SmtpServer(config, store, store, store, SmtpMetrics.NOOP, Clock.systemUTC(),
                RealStack.CERTS.serverContext());
        s.start();
        try {
            try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
                greet(c);
                c.send("STARTTLS");
                assertEquals("220 2.0.0 Ready to start TLS", c.line());
                c.send("EHLO not-a-tls-client-hello.test");
                assertTrue(c.closedByServer());
            }
            try (SmtpTestClient c = new SmtpTestClient(s.port(), 10_000)) {
                greet(c);
                c.send("STARTTLS");
                c.line();
                c.startTls(org.postkontor.store.testing.TestCertificates.trustAllClientContext());
                c.send("NOOP");
                assertEquals("250 2.0.0 Ok", c.line());
                c.send("STARTTLS");
                assertTrue(c.line().startsWith("454 4.7.0 "), "no second STARTTLS");
            }
        } finally {
            s.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void configNamesTheBadKey() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SmtpConfig.builder().maxRecipients(0).build());
        assertTrue(e.getMessage().startsWith("smtp.maxRecipients must be"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SmtpConfig.builder().maxLineLength(999).build());
        assertTrue(e.getMessage().contains("smtp.maxLineLength"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SmtpConfig.builder().commandTimeout(Duration.ZERO).build());
        assertTrue(e.getMessage().contains("smtp.commandTimeout"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SmtpConfig.builder().hostname("bad host\r\nX: y").build());
        assertTrue(e.getMessage().contains("smtp.hostname"), e.getMessage());
        SmtpConfig d = SmtpConfig.defaults();
        assertEquals(25L * 1024 * 1024, d.maxMessageSize());
        assertEquals(100, d.maxRecipients());
        assertEquals(1000, d.maxLineLength());
        assertEquals(50, d.maxReceivedHeaders());
        assertEquals("127.0.0.1", d.bindAddress().getHostAddress());
        assertNull(null);
        assertEquals(Duration.ofSeconds(30), d.toBuilder().tarpitStep(Duration.ofSeconds(10)).build().tarpitDelayFor(100));
    }
}
