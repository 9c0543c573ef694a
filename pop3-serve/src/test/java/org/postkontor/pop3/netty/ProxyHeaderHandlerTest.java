package org.postkontor.pop3.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.pop3.netty.Pop3ChannelHandlerTest.out;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postkontor.pop3.ConnectionLimiter;
import org.postkontor.pop3.LoginDelay;
import org.postkontor.store.LoginThrottle;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.SessionServices;
import org.postkontor.pop3.testing.MemoryStore;
import org.postkontor.store.testing.MutableClock;
import org.postkontor.store.testing.ProxyHeaders;
import org.postkontor.store.testing.TestCertificates;

/**
 * {@code pop3.proxy-protocol} on an EmbeddedChannel whose own peer is the balancer on 127.0.0.1:
 * the PROXY v1 or v2 header names the client that limits and the loopback rule (plaintext login
 * allowed on loopback only, here) see; without a valid header there is no session.
 */
class ProxyHeaderHandlerTest {

    private static final String GREETING = "+OK Postkontor POP3 server ready\r\n";
    private static final String PLAINTEXT_REFUSED =
            "-ERR [AUTH] plaintext authentication is not allowed without TLS; use STLS or the TLS port\r\n";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final MemoryStore store = new MemoryStore(clock);
    private final ConnectionLimiter limiter = new ConnectionLimiter(10, 1);
    private final List<String> refused = new ArrayList<>();

    /** A channel whose peer (the balancer) is 127.0.0.1; the worker runs inline. */
    private EmbeddedChannel channel(boolean implicitTls) {
        Pop3Config config = Pop3Config.builder().plainPort(0).tlsPort(0).allowPlaintextAuthOnLoopback(true)
                .idleTimeout(Duration.ofSeconds(30)).proxyProtocol(true).build();
        Pop3Metrics metrics = new Pop3Metrics() {
            @Override
            public void connectionRefused(String reason) {
                refused.add(reason);
            }
        };
        SessionServices services = new SessionServices(config, store, store,
                new LoginThrottle(clock, config.failureWindow(), 10, 10), new LoginDelay(clock, Duration.ZERO),
                metrics, clock, d -> { }, new SecureRandom(), new byte[32]);
        Pop3ChannelInitializer init = new Pop3ChannelInitializer(implicitTls, services,
                TlsEngines.of(TestCertificates.selfSigned("localhost").serverContext()), Runnable::run, limiter,
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        return new EmbeddedChannel(init) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 40000);
            }
        };
    }

    private static void feed(EmbeddedChannel ch, byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        ch.runPendingTasks();
    }

    private static void feed(EmbeddedChannel ch, String s) {
        feed(ch, s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void nothingIsSaidBeforeTheHeader() {
        EmbeddedChannel ch = channel(false);
        assertEquals("", out(ch));
        assertEquals(List.of("proxy", "proxy-header"), ch.pipeline().names().subList(0, 2));
    }

    @Test
    void v1HeaderNamesTheClientTheLoopbackRuleSees() {
        EmbeddedChannel remote = channel(false);
        feed(remote, ProxyHeaders.v1("203.0.113.7"));
        assertEquals(GREETING, out(remote));
        feed(remote, "USER alice@example.test\r\n");
        assertEquals(PLAINTEXT_REFUSED, out(remote), "the client is 203.0.113.7, not the balancer's loopback");

        EmbeddedChannel local = channel(false);
        feed(local, ProxyHeaders.v1("127.0.0.1"));
        feed(local, "USER alice@example.test\r\n");
        assertEquals(GREETING + "+OK send PASS\r\n", out(local));
        assertEquals(List.of(), refused);
    }

    @Test
    void v2HeaderSplitAcrossReadsWithACommandBehindIt() {
        EmbeddedChannel ch = channel(false);
        byte[] header = ProxyHeaders.v2(198, 51, 100, 9);
        feed(ch, Arrays.copyOfRange(header, 0, 7));
        assertEquals("", out(ch));
        byte[] rest = Arrays.copyOfRange(header, 7, header.length);
        byte[] withCommand = Arrays.copyOf(rest, rest.length + 6);
        System.arraycopy("CAPA\r\n".getBytes(StandardCharsets.US_ASCII), 0, withCommand, rest.length, 6);
        feed(ch, withCommand);
        String o = out(ch);
        assertTrue(o.startsWith(GREETING + "+OK Capability list follows\r\n"), o);
        assertFalse(o.contains("\r\nUSER\r\n"), "198.51.100.9 is not loopback: no USER offered\n" + o);
        assertEquals(List.of("idle", "framer", "pop3"), ch.pipeline().names().subList(0, 3));
    }

    @Test
    void perAddressLimitCountsProxiedClients() {
        EmbeddedChannel first = channel(false);
        feed(first, ProxyHeaders.v1("203.0.113.1"));
        assertEquals(GREETING, out(first));
        EmbeddedChannel other = channel(false);
        feed(other, ProxyHeaders.v1("203.0.113.2"));
        assertEquals(GREETING, out(other), "another client behind the same balancer");
        EmbeddedChannel again = channel(false);
        feed(again, ProxyHeaders.v1("203.0.113.1"));
        assertEquals("-ERR [SYS/TEMP] too many connections; try again later\r\n", out(again));
        assertFalse(again.isOpen());
        assertEquals(List.of("max_per_address"), refused);
    }

    @Test
    void unknownOrLocalKeepsTheBalancersAddress() {
        EmbeddedChannel v1 = channel(false);
        feed(v1, "PROXY UNKNOWN\r\nUSER alice@example.test\r\n");
        assertEquals(GREETING + "+OK send PASS\r\n", out(v1), "the balancer is on loopback");
        v1.close(); // one connection per address here
        v1.runPendingTasks();

        EmbeddedChannel v2 = channel(false);
        feed(v2, ProxyHeaders.v2Local());
        feed(v2, "USER alice@example.test\r\n");
        assertEquals(GREETING + "+OK send PASS\r\n", out(v2));
    }

    @Test
    void missingOrMalformedHeaderClosesWithoutAReply() {
        for (String first : new String[] {"USER alice@example.test\r\n", "PROXY TCP4 not-an-ip 192.0.2.1 1 2\r\n"}) {
            EmbeddedChannel ch = channel(false);
            feed(ch, first);
            assertEquals("", out(ch), first);
            assertFalse(ch.isOpen(), first);
        }
        assertEquals(List.of("other", "other"), refused);
    }

    @Test
    void noHeaderWithinTheIdleTimeoutCloses() {
        EmbeddedChannel ch = channel(false);
        feed(ch, "PROXY TCP4 ");
        ch.advanceTimeBy(29, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(List.of("other"), refused);
    }

    @Test
    void implicitTlsStartsBehindTheHeader() {
        EmbeddedChannel ch = channel(true);
        feed(ch, ProxyHeaders.v1("203.0.113.7"));
        assertEquals(List.of("tls", "idle", "framer", "pop3"), ch.pipeline().names().subList(0, 4));
        assertFalse(out(ch).contains("+OK"), "the greeting waits for the TLS handshake");
    }
}
