package org.postkontor.deliver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.Listener;
import org.postkontor.smtp.MailRole;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.OutboundQueue.State;
import org.postkontor.store.testing.Await;
import org.postkontor.store.testing.Dnsmasq;
import org.postkontor.store.testing.MutableClock;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.TestCertificates;

/** Backoff, the delay warning, expiry, the null sender, and delivery through a smarthost with AUTH. */
class RetriesAndRelayTest {

    private static final String MSG = "From: alice@example.test\r\nSubject: waiting\r\n\r\nHello.\r\n";

    @Test
    void backoffDoublesFromTheFirstRetryUpToTheLongest() {
        DeliveryConfig c = DeliveryConfig.defaults("mail.example.test");
        OutboundDelivery d = new OutboundDelivery(null, null, null, c, DeliveryMetrics.NOOP, Clock.systemUTC(), null);
        List<Duration> got = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            got.add(d.backoff(i));
        }
        assertEquals(List.of(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20),
                Duration.ofMinutes(40), Duration.ofHours(1), Duration.ofHours(1)), got);
    }

    @Test
    void aMessageThatCannotGoIsDeferredThenWarnedOfOnceThenBouncedAtItsLifetime() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-07T10:00:00Z");
        try (TempStore t = TempStore.create(clock, org.postkontor.store.StoreMetrics.NOOP)) {
            MailAddress alice = t.addUser("alice@example.test", "Correct-Horse-9");
            QueuedMessage m = t.store().outbound().enqueue("alice@example.test", List.of("x@unreachable.test"),
                    new ByteArrayInputStream(MSG.getBytes(StandardCharsets.UTF_8)));
            QueuedMessage nullSender = t.store().outbound().enqueue("", List.of("y@unreachable.test"),
                    new ByteArrayInputStream(MSG.getBytes(StandardCharsets.UTF_8)));
            // a DNS server that never answers: every look-up is "try later"
            DeliveryConfig config = DeliveryConfig.defaults("mail.example.test")
                    .withDns(List.of(new InetSocketAddress("127.0.0.1", 9)));
            OutboundDelivery d = new OutboundDelivery(t.store().outbound(), t.store().directory(), t.store().spool(),
                    config, DeliveryMetrics.NOOP, clock, null);
            d.pass();
            Await.until(Duration.ofSeconds(30), "the first attempt recorded", () -> attempts(t, m.id()) == 1);
            QueuedMessage after = t.store().outbound().get(m.id()).orElseThrow();
            assertEquals(clock.instant().plus(Duration.ofMinutes(5)), after.nextAttempt().orElseThrow());
            assertTrue(after.recipients().get(0).lastReply().startsWith("451 4.4.3"), after.toString());

            clock.advance(Duration.ofHours(4).plusMinutes(1));
            d.pass();
            d.pass();
            List<String> box = mailbox(t, alice);
            assertEquals(1, box.size(), "one delay warning: " + box);
            assertTrue(box.get(0).contains("Action: delayed") && box.get(0).contains("Subject: Delayed Mail"), box.get(0));
            assertTrue(t.store().outbound().get(m.id()).orElseThrow().warned());

            clock.advance(Duration.ofDays(5));
            Await.until(Duration.ofSeconds(30), "lanes of the last pass done", () -> {
                try {
                    d.pass();
                    return t.store().outbound().list().isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            box = mailbox(t, alice);
            assertEquals(2, box.size(), "the warning and the bounce, nothing for the null sender: " + box);
            assertTrue(box.get(1).contains("Action: failed") && box.get(1).contains("Status: 4.4.7"), box.get(1));
        }
    }

    @Test
    void everythingGoesThroughTheRelayOverVerifiedTlsWithAuth() throws Exception {
        TestCertificates cert = TestCertificates.selfSigned("relay.test", "relay.test");
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> logins = new CopyOnWriteArrayList<>();
        MailRole recorder = session -> new MailRole.Transaction() {
            @Override
            public void from(String sender) {
                logins.add(session.login().orElse("-") + " " + (session.tlsProtocol() != null));
            }

            @Override
            public void recipient(String recipient) {
                received.add(recipient);
            }

            @Override
            public String accept(MailRole.Message message) {
                return "2.0.0 Ok: relayed";
            }

            @Override
            public void done(String result) {
            }
        };
        Listener.Authenticator auth = (login, password, client) ->
                login.equals("box@isp.test") && password.equals("isp-secret") ? Optional.of(login) : Optional.empty();
        SmtpServer relay = new SmtpServer(SmtpConfig.builder().bindAddress(InetAddress.getByName("127.0.0.5"))
                .hostname("relay.test").build(), new Listener("submission", Listener.Tls.STARTTLS_REQUIRED, auth,
                recorder), SmtpMetrics.NOOP, Clock.systemUTC(), cert.serverContext());
        relay.start();
        try (Dnsmasq dns = Dnsmasq.start(new Dnsmasq.Records().a("relay.test", "127.0.0.5"));
             TempStore t = TempStore.create()) {
            t.addUser("alice@example.test", "Correct-Horse-9");
            QueuedMessage m = t.store().outbound().enqueue("alice@example.test",
                    List.of("a@one.test", "b@two.test"), new ByteArrayInputStream(MSG.getBytes(StandardCharsets.UTF_8)));
            DeliveryConfig config = DeliveryConfig.defaults("mail.example.test").withDns(List.of(dns.address()))
                    .withRelay(Optional.of(new DeliveryConfig.Relay("relay.test", relay.port(), false,
                            Optional.of("box@isp.test"), Optional.of("isp-secret"))));
            OutboundDelivery d = new OutboundDelivery(t.store().outbound(), t.store().directory(), t.store().spool(),
                    config, DeliveryMetrics.NOOP, Clock.systemUTC(), cert.trustManager());
            d.start();
            try {
                Await.until(Duration.ofSeconds(20), "delivered through the relay", () -> attempts(t, m.id()) < 0);
            } finally {
                d.stop(Duration.ofSeconds(5));
            }
            assertEquals(List.of("a@one.test", "b@two.test"), received, "both domains in one transaction");
            assertEquals(List.of("box@isp.test true"), logins);
        } finally {
            relay.stop(Duration.ofSeconds(1));
        }
    }

    /** Attempts of the message's first recipient; -1 once it has left the queue. */
    private static int attempts(TempStore t, String id) {
        try {
            return t.store().outbound().get(id).map(q -> q.recipients().get(0).attempts()).orElse(-1);
        } catch (Exception e) {
            return -2;
        }
    }

    private static List<String> mailbox(TempStore t, MailAddress user) throws Exception {
        List<String> out = new ArrayList<>();
        try (Maildrop m = t.store().maildrops().open(user)) {
            for (MaildropEntry e : m.listing()) {
                try (InputStream in = m.open(e)) {
                    out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
        return out;
    }
}
