package org.postkontor.pop3.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.postkontor.pop3.ConnectionLimiter;
import org.postkontor.pop3.LoginDelay;
import org.postkontor.store.LoginThrottle;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.SessionServices;
import org.postkontor.pop3.testing.MemoryStore;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.MutableClock;
import org.postkontor.store.testing.TestCertificates;

/** The channel adapter on an EmbeddedChannel; the worker runs inline. */
class Pop3ChannelHandlerTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final MemoryStore store = new MemoryStore(clock);
    private final MailAddress alice = store.addUser("alice@example.test", "secret");

    private EmbeddedChannel channel(boolean implicitTls) {
        return channel(implicitTls, Runnable::run);
    }

    private EmbeddedChannel channel(boolean implicitTls, Executor worker) {
        Pop3Config config = Pop3Config.builder().plainPort(0).tlsPort(0).allowPlaintextAuth(true).build();
        SessionServices services = new SessionServices(config, store, store,
                new LoginThrottle(clock, config.failureWindow(), 10, 10), new LoginDelay(clock, Duration.ZERO),
                Pop3Metrics.NOOP, clock, d -> { }, new SecureRandom(), new byte[32]);
        return new EmbeddedChannel(new Pop3ChannelInitializer(implicitTls, services,
                TlsEngines.of(TestCertificates.selfSigned("localhost").serverContext()), worker,
                new ConnectionLimiter(10, 10), new DefaultChannelGroup(GlobalEventExecutor.INSTANCE)));
    }

    private static void feed(EmbeddedChannel ch, String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
        ch.runPendingTasks();
    }

    /** What the server wrote since the last call. */
    static String out(EmbeddedChannel ch) {
        StringBuilder b = new StringBuilder();
        ByteBuf buf;
        while ((buf = ch.readOutbound()) != null) {
            b.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return b.toString();
    }

    @Test
    void commandsSplitAcrossReadsAndPipelined() {
        store.deliver(alice, "Subject: x\r\n\r\n.hi\r\n".getBytes(StandardCharsets.US_ASCII));
        EmbeddedChannel ch = channel(false);
        assertEquals("+OK Postkontor POP3 server ready\r\n", out(ch));
        feed(ch, "USE");
        feed(ch, "R alice@example.test\r\nPA");
        feed(ch, "SS secret\r\nSTAT\r\nRETR 1\r\n");
        String o = out(ch);
        assertTrue(o.startsWith("+OK send PASS\r\n+OK maildrop locked and ready, 1 messages (53 octets)\r\n+OK 1 53\r\n"), o);
        assertTrue(o.endsWith("+OK 53 octets\r\nDelivered-To: alice@example.test\r\nSubject: x\r\n\r\n..hi\r\n.\r\n"), o);
        feed(ch, "QUIT\r\n");
        assertEquals("+OK Postkontor POP3 server signing off (1 messages left)\r\n", out(ch));
        assertFalse(ch.isActive());
        assertFalse(store.isLocked(alice));
    }

    @Test
    void transactionCommandsAndLocalBodiesAreAnsweredOnTheEventLoopInOrderAfterQueuedOnes() {
        store.deliver(alice, "Subject: small\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        String big = "Subject: big\r\n\r\n" + ("x".repeat(78) + "\r\n").repeat(1000); // 80 KiB: several pieces
        store.deliver(alice, big.getBytes(StandardCharsets.US_ASCII));
        Queue<Runnable> worker = new ArrayDeque<>();
        EmbeddedChannel ch = channel(false, worker::add);
        out(ch);
        feed(ch, "USER alice@example.test\r\nPASS secret\r\nSTAT\r\n");
        assertEquals("", out(ch), "a login is the worker's; what follows it waits its turn");
        assertEquals(1, worker.size());
        worker.poll().run();
        ch.runPendingTasks();
        assertTrue(out(ch).endsWith("+OK 2 80106\r\n"));

        feed(ch, "STAT\r\nLIST 1\r\nRETR 1\r\n");
        assertTrue(worker.isEmpty());
        assertEquals("+OK 2 80106\r\n+OK 1 56\r\n+OK 56 octets\r\nDelivered-To: alice@example.test\r\n"
                + "Subject: small\r\n\r\nhi\r\n.\r\n", out(ch), "answered on the event loop, no worker task");

        feed(ch, "RETR 2\r\nDELE 1\r\nNOOP\r\n");
        assertTrue(worker.isEmpty(), "a large local body is the event loop's too");
        String o = out(ch);
        assertTrue(o.startsWith("+OK 80050 octets\r\nDelivered-To: alice@example.test\r\nSubject: big\r\n"), o);
        assertTrue(o.endsWith("x\r\n.\r\n+OK message 1 deleted\r\n+OK\r\n"), o);
        assertEquals(80050 + 3 + "+OK 80050 octets\r\n+OK message 1 deleted\r\n+OK\r\n".length(), o.length());
    }

    @Test
    void bytesPipelinedAfterStlsAreDropped() {
        EmbeddedChannel ch = channel(false);
        out(ch);
        feed(ch, "CAPA\r\nSTLS\r\nUSER alice@example.test\r\nPASS secret\r\nPART");
        String o = out(ch);
        assertTrue(o.contains("STLS\r\n"), o);
        assertTrue(o.endsWith(".\r\n+OK begin TLS negotiation\r\n"), o);
        assertNotNull(ch.pipeline().get(SslHandler.class));
        assertEquals("tls", ch.pipeline().names().get(0));
        assertTrue(ch.config().isAutoRead());
    }

    @Test
    void refusedStlsLineLetsHeldCommandsThrough() {
        EmbeddedChannel ch = channel(true);
        // implicit TLS: STLS is not offered, so lines after it are not held at all
        assertNotNull(ch.pipeline().get(SslHandler.class));
        assertNull(ch.pipeline().get("refuse"));
    }

    @Test
    void overlongLineThenService() {
        EmbeddedChannel ch = channel(false);
        out(ch);
        feed(ch, "NOOP " + "x".repeat(9000) + "\r\nCAPA\r\n");
        String o = out(ch);
        assertTrue(o.startsWith("-ERR line too long\r\n+OK Capability list follows\r\n"), o);
    }

    @Test
    void closedConnectionReleasesLockWithoutDeleting() {
        store.deliver(alice, "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        EmbeddedChannel ch = channel(false);
        feed(ch, "USER alice@example.test\r\nPASS secret\r\nDELE 1\r\n");
        assertTrue(store.isLocked(alice));
        ch.close();
        ch.runPendingTasks();
        assertFalse(store.isLocked(alice));
        assertEquals(1, store.count(alice));
    }
}
