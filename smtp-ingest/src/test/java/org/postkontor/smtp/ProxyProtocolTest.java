package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.testing.FakeStore;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.testing.ProxyHeaders;

/** PROXY protocol v1 and v2 (off by default): limits and trace headers see the real client. */
class ProxyProtocolTest {

    private FakeStore store;
    private SmtpServer server;

    @BeforeEach
    void start() {
        store = FakeStore.standard();
        server = new SmtpServer(SmtpConfig.builder().hostname("mx.example.test").proxyProtocol(true)
                .maxConnectionsPerIp(1).tarpitDelay(Duration.ZERO).build(), store, store, store, SmtpMetrics.NOOP,
                Clock.systemUTC(), null);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ofSeconds(1));
    }

    private void deliver(SmtpTestClient c) throws Exception {
        c.send("EHLO relay.test");
        c.reply();
        c.send("MAIL FROM:<sender@remote.test>");
        assertEquals("250 2.1.0 Ok", c.line());
        c.send("RCPT TO:<alice@example.test>");
        assertEquals("250 2.1.5 Ok", c.line());
        c.send("DATA");
        c.line();
        c.send("Subject: proxied\r\n\r\n.");
        assertTrue(c.line().startsWith("250 2.0.0 Ok: queued as"));
    }

    @Test
    void v1HeaderGivesTheRealClientAddress() throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 10_000)) {
            c.raw(ProxyHeaders.v1("203.0.113.7"));
            assertTrue(c.line().startsWith("220 mx.example.test "));
            deliver(c);
        }
        String stored = new String(store.stored().get(0).bytes(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("Received: from relay.test ([203.0.113.7])"), stored);
    }

    @Test
    void v2HeaderGivesTheRealClientAddress() throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 10_000)) {
            c.raw(ProxyHeaders.v2(198, 51, 100, 9));
            assertTrue(c.line().startsWith("220 mx.example.test "));
            deliver(c);
        }
        String stored = new String(store.stored().get(0).bytes(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("Received: from relay.test ([198.51.100.9])"), stored);
    }

    @Test
    void perIpLimitCountsProxiedAddresses() throws Exception {
        try (SmtpTestClient a = new SmtpTestClient(server.port(), 10_000);
             SmtpTestClient b = new SmtpTestClient(server.port(), 10_000);
             SmtpTestClient c = new SmtpTestClient(server.port(), 10_000)) {
            a.raw(ProxyHeaders.v1("203.0.113.1"));
            assertTrue(a.line().startsWith("220 "));
            b.raw(ProxyHeaders.v2(203, 0, 113, 2));
            assertTrue(b.line().startsWith("220 "), "another client behind the same balancer");
            c.raw(ProxyHeaders.v1("203.0.113.1"));
            assertEquals("421 4.7.0 Too many connections, try again later", c.line());
        }
    }

    @Test
    void missingOrBrokenHeaderIsRefusedCleanlyAndTheServerKeepsServing() throws Exception {
        // What nginx's mail proxy sends (no PROXY header) is the setup of subethasmtp issue 169.
        for (String first : new String[] {"EHLO nginx.test\r\n", "PROXY TCP4 not-an-ip 127.0.0.1 1 2\r\n",
            "PROXY UNKNOWN-FAMILY\r\n"}) {
            try (SmtpTestClient c = new SmtpTestClient(server.port(), 10_000)) {
                c.raw(first.getBytes(StandardCharsets.US_ASCII));
                assertEquals("421 4.7.0 PROXY protocol header missing or invalid", c.line(), first);
                assertTrue(c.closedByServer());
            }
        }
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 10_000)) {
            c.raw(ProxyHeaders.v1("203.0.113.9"));
            assertTrue(c.line().startsWith("220 "));
        }
    }

    @Test
    void proxyUnknownKeepsTheBalancerAddress() throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 10_000)) {
            c.raw("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.line().startsWith("220 "));
            deliver(c);
        }
        String stored = new String(store.stored().get(0).bytes(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("([127.0.0.1])"), stored);
    }
}
