package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.smtp.testing.LocalDns;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;

/**
 * Connection-time DNSBL checks against a real DNS server (dnsmasq on loopback) that lists
 * 127.0.0.1 in {@code bl.test} and nothing in {@code clean.test}.
 */
class DnsblTest {

    @TempDir
    static Path dir;
    private static LocalDns dns;
    private RealStack stack;
    private SmtpServer server;

    @BeforeAll
    static void dns() throws Exception {
        dns = LocalDns.start(dir, List.of("--address=/1.0.0.127.bl.test/127.0.0.2", "--local=/clean.test/",
                "--address=/1.0.0.127.refusing.test/127.255.255.254"));
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) {
            dns.close();
        }
    }

    @BeforeEach
    void store() throws Exception {
        stack = new RealStack(null, SmtpMetrics.NOOP, false);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ofSeconds(2));
        }
        stack.close();
    }

    private void listen(List<String> zones, List<Network> allow, DnsblConfig.RejectAt at, InetSocketAddress resolver) {
        server = stack.newServer(SmtpConfig.builder().tarpitDelay(Duration.ZERO).tarpitStep(Duration.ZERO)
                .dnsbl(new DnsblConfig(zones, allow, at, Duration.ofSeconds(2), List.of(resolver))),
                SmtpMetrics.NOOP, false);
    }

    /** Greeting, then EHLO, MAIL and RCPT; the RCPT reply (or the greeting if it was not 220). */
    private String rcpt() throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 15_000)) {
            String greeting = c.reply().getFirst();
            if (!greeting.startsWith("220")) {
                assertTrue(c.closedByServer(), "closed after the refusal");
                return greeting;
            }
            c.send("EHLO client.test");
            c.reply();
            c.send("MAIL FROM:<sender@remote.test>");
            c.reply();
            c.send("RCPT TO:<alice@example.test>");
            return c.reply().getFirst();
        }
    }

    @Test
    void aListedClientIsRefusedAtRcpt() throws Exception {
        listen(List.of("clean.test", "bl.test"), List.of(), DnsblConfig.RejectAt.RCPT, dns.address());
        assertEquals("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test", rcpt());
    }

    @Test
    void aListedClientIsRefusedAtConnect() throws Exception {
        listen(List.of("bl.test"), List.of(), DnsblConfig.RejectAt.CONNECT, dns.address());
        assertEquals("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test", rcpt());
    }

    @Test
    void anAllowedNetworkIsNotLookedUp() throws Exception {
        listen(List.of("bl.test"), List.of(Network.parse("127.0.0.0/8")), DnsblConfig.RejectAt.CONNECT, dns.address());
        assertEquals("250 2.1.5 Ok", rcpt());
    }

    @Test
    void notListedAndListErrorCodesPass() throws Exception {
        listen(List.of("clean.test", "refusing.test"), List.of(), DnsblConfig.RejectAt.RCPT, dns.address());
        assertEquals("250 2.1.5 Ok", rcpt());
    }

    @Test
    void aResolverThatDoesNotAnswerCountsAsNotListed() throws Exception {
        InetSocketAddress nobody;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            nobody = new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
        listen(List.of("bl.test"), List.of(), DnsblConfig.RejectAt.RCPT, nobody);
        long t = System.nanoTime();
        assertEquals("250 2.1.5 Ok", rcpt());
        assertTrue(System.nanoTime() - t < Duration.ofSeconds(8).toNanos(), "bounded by smtp.dnsbl-timeout");
    }

    @Test
    void networks() throws Exception {
        assertTrue(Network.parse("10.1.0.0/16").contains(ip("10.1.200.3")));
        assertTrue(!Network.parse("10.1.0.0/17").contains(ip("10.1.200.3")));
        assertTrue(Network.parse("2001:db8::/32").contains(ip("2001:db8:1::1")));
        assertTrue(Network.parse("127.0.0.0/8").contains(ip("::ffff:127.0.0.9")));
        assertTrue(!Network.parse("::1").contains(ip("127.0.0.1")));
    }

    private static java.net.InetAddress ip(String literal) throws java.net.UnknownHostException {
        return java.net.InetAddress.getByName(literal);
    }
}
