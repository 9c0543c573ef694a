package org.postkontor.deliver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.OutboundQueue.State;
import org.postkontor.store.testing.Await;
import org.postkontor.store.testing.Dnsmasq;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.TestCertificates;

/**
 * Outbound delivery against real parts on loopback: dnsmasq publishes the MX records, a second
 * Postkontor (its SMTP listener on a store of its own) is the remote MX on 127.0.0.2:25 with a
 * certificate for mx.remote.test, an HTTPS server on 127.0.0.3:443 serves MTA-STS policies.
 */
class OutboundDeliveryTest {

    private static final String MSG = "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: hi\r\n\r\nHello.\r\n";

    private TempStore local;
    private TempStore remote;
    private SmtpServer mx;
    private Dnsmasq dns;
    private HttpsServer sts;
    private OutboundDelivery delivery;
    private TestCertificates certs;

    @BeforeEach
    void start() throws Exception {
        certs = TestCertificates.selfSigned("mx.remote.test", "mx.remote.test", "mta-sts.remote.test",
                "mta-sts.strict.test");
        dns = Dnsmasq.start(new Dnsmasq.Records()
                .mx("remote.test", "mx.remote.test", 10).a("mx.remote.test", "127.0.0.2")
                .txt("_mta-sts.remote.test", "v=STSv1; id=20261201")
                .a("mta-sts.remote.test", "127.0.0.3")
                .mx("strict.test", "mx.remote.test", 10)
                .txt("_mta-sts.strict.test", "v=STSv1; id=1")
                .a("mta-sts.strict.test", "127.0.0.3")
                .a("nomx.test", "127.0.0.2"));
        local = TempStore.create();
        local.addUser("alice@example.test", "Correct-Horse-9");
        remote = TempStore.create();
        remote.addUser("bob@remote.test", "Correct-Horse-9");
        remote.addUser("full@remote.test", "Correct-Horse-9", new Administration.Quota(0, 1));
        remote.deliver(MailAddress.parse("full@remote.test"), "Subject: filler\r\n\r\nx\r\n");
        SmtpConfig cfg = SmtpConfig.builder().bindAddress(InetAddress.getByName("127.0.0.2")).port(25)
                .hostname("mx.remote.test").build();
        mx = new SmtpServer(cfg, remote.store().directory(), remote.store().spool(), (e, r, in) -> { },
                SmtpMetrics.NOOP, Clock.systemUTC(), certs.serverContext());
        mx.start();
        sts = HttpsServer.create(new InetSocketAddress("127.0.0.3", 443), 0);
        sts.setHttpsConfigurator(new HttpsConfigurator(certs.serverContext()));
        sts.createContext("/.well-known/mta-sts.txt", ex -> {
            String host = ex.getRequestHeaders().getFirst("Host");
            String policy = host.startsWith("mta-sts.strict.test")
                    ? "version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.test\r\nmax_age: 86400\r\n"
                    : "version: STSv1\r\nmode: enforce\r\nmx: *.remote.test\r\nmax_age: 86400\r\n";
            byte[] b = policy.getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().add("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        sts.start();
        DeliveryConfig config = DeliveryConfig.defaults("mail.example.test").withDns(List.of(dns.address()))
                .withRetries(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(200));
        delivery = new OutboundDelivery(local.store().outbound(), local.store().directory(), local.store().spool(),
                config, DeliveryMetrics.NOOP, Clock.systemUTC(), certs.trustManager());
    }

    @AfterEach
    void stop() throws Exception {
        if (delivery != null) {
            delivery.stop(Duration.ofSeconds(5));
        }
        if (mx != null) {
            mx.stop(Duration.ofSeconds(1));
        }
        if (sts != null) {
            sts.stop(0);
        }
        if (dns != null) {
            dns.close();
        }
        if (remote != null) {
            remote.close();
        }
        if (local != null) {
            local.close();
        }
    }

    private QueuedMessage enqueue(String... rcpts) throws Exception {
        return local.store().outbound().enqueue("alice@example.test", List.of(rcpts),
                new ByteArrayInputStream(MSG.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> mailbox(TempStore t, String user) throws Exception {
        try (Maildrop m = t.store().maildrops().open(MailAddress.parse(user))) {
            List<String> out = new java.util.ArrayList<>();
            for (MaildropEntry e : m.listing()) {
                try (InputStream in = m.open(e)) {
                    out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

    /** The queue for conditions that cannot throw. */
    private record Queue(OutboundQueue q) {
        Optional<QueuedMessage> get(String id) {
            try {
                return q.get(id);
            } catch (org.postkontor.store.StoreException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void deliversByMxOverVerifiedTlsRetriesA4xxAndBouncesA5xx() throws Exception {
        QueuedMessage m = enqueue("bob@remote.test", "full@remote.test", "nobody@remote.test");
        delivery.start();
        Queue q = new Queue(local.store().outbound());
        Await.until(Duration.ofSeconds(20), "bob delivered, nobody failed", () -> q.get(m.id()).map(x ->
                x.recipients().get(0).state() == State.DELIVERED && x.recipients().get(2).state() == State.FAILED)
                .orElse(false));
        QueuedMessage now = q.get(m.id()).orElseThrow();
        assertEquals(State.PENDING, now.recipients().get(1).state(), "over quota: 452, retried");
        assertTrue(now.recipients().get(1).lastReply().startsWith("452 4.2.2"), now.recipients().get(1).lastReply());
        List<String> bob = mailbox(remote, "bob@remote.test");
        assertEquals(1, bob.size());
        assertTrue(bob.get(0).contains("with ESMTPS"), "over TLS (MTA-STS enforce): " + bob.get(0));

        List<String> bounces = mailbox(local, "alice@example.test");
        assertEquals(1, bounces.size());
        String dsn = bounces.get(0);
        assertTrue(dsn.contains("Content-Type: multipart/report; report-type=delivery-status"), dsn);
        assertTrue(dsn.contains("Final-Recipient: rfc822; nobody@remote.test"), dsn);
        assertTrue(dsn.contains("Action: failed"), dsn);
        assertTrue(dsn.contains("Status: 5.1.1"), dsn);
        assertTrue(dsn.contains("Remote-MTA: dns; mx.remote.test"), dsn);
        assertTrue(dsn.contains("Subject: hi"), "the original's header comes back: " + dsn);

        remote.store().admin().setQuota(MailAddress.parse("full@remote.test"), Administration.Quota.NONE);
        Await.until(Duration.ofSeconds(20), "the 4xx recipient delivered on a retry", () -> q.get(m.id()).isEmpty());
        assertEquals(2, mailbox(remote, "full@remote.test").size());
    }

    @Test
    void anEnforcedPolicyThatNamesNoMxDefersAndADomainWithoutMxGetsItsAddress() throws Exception {
        QueuedMessage strict = enqueue("bob@strict.test");
        QueuedMessage nomx = enqueue("bob@nomx.test");
        delivery.start();
        Queue q = new Queue(local.store().outbound());
        Await.until(Duration.ofSeconds(20), "both tried", () -> q.get(strict.id()).map(x ->
                x.recipients().get(0).attempts() > 0).orElse(false) && q.get(nomx.id()).map(x ->
                x.recipients().get(0).attempts() > 0).orElse(true));
        QueuedMessage s = q.get(strict.id()).orElseThrow();
        assertEquals(State.PENDING, s.recipients().get(0).state());
        assertTrue(s.recipients().get(0).lastReply().contains("4.7.5"), s.recipients().get(0).lastReply());
        // nomx.test has no MX: its A record (127.0.0.2) is tried; the MX there does not host it: 554 5.7.1
        Await.until(Duration.ofSeconds(10), "nomx failed", () -> q.get(nomx.id()).isEmpty());
        assertTrue(mailbox(local, "alice@example.test").get(0).contains("Final-Recipient: rfc822; bob@nomx.test"));
        assertEquals(Optional.empty(), q.get(nomx.id()));
    }
}
