package org.postkontor.smtp.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.smtp.testing.LocalDns;
import org.postkontor.smtp.testing.LocalRspamd;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.testing.ClientTools;

/**
 * The SMTP listener against a real rspamd (Debian's package with Postkontor's shipped
 * configuration) whose only DNS server is a local dnsmasq publishing SPF, DKIM and DMARC records:
 * <ul>
 *   <li>{@code sender.test}: SPF allows 127.0.0.1, a DKIM key (selector {@code sel}), DMARC p=reject;</li>
 *   <li>{@code bank.test}: SPF allows only 192.0.2.10, DMARC p=reject (forged from here);</li>
 *   <li>{@code shop.test}: SPF allows only 192.0.2.10, DMARC p=quarantine (forged from here).</li>
 * </ul>
 * Messages are DKIM-signed by Debian's {@code dkimsign} (python3-dkim).
 */
class RspamdTest {

    static final Path DKIMSIGN = Path.of("/usr/bin/dkimsign");
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    @TempDir
    static Path dir;
    private static LocalDns dns;
    private static LocalRspamd rspamd;
    private static Path dkimKey;

    private RealStack stack;
    private SmtpServer server;

    @BeforeAll
    static void servers() throws Exception {
        ClientTools.require(Files.isExecutable(DKIMSIGN), "dkimsign (Debian package python3-dkim)");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair keys = g.generateKeyPair();
        dkimKey = Files.writeString(dir.resolve("dkim.key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String p = Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        List<String> dkim = new ArrayList<>(); // TXT character-strings of at most 255 octets, comma-separated for dnsmasq
        for (int i = 0; i < p.length(); i += 200) {
            dkim.add(p.substring(i, Math.min(p.length(), i + 200)));
        }
        dns = LocalDns.start(dir, List.of(
                "--txt-record=sender.test,v=spf1 ip4:127.0.0.1 -all",
                "--txt-record=_dmarc.sender.test,v=DMARC1; p=reject",
                "--txt-record=sel._domainkey.sender.test,v=DKIM1; k=rsa; p=" + String.join(",", dkim),
                "--txt-record=bank.test,v=spf1 ip4:192.0.2.10 -all",
                "--txt-record=_dmarc.bank.test,v=DMARC1; p=reject",
                "--txt-record=shop.test,v=spf1 ip4:192.0.2.10 -all",
                "--txt-record=_dmarc.shop.test,v=DMARC1; p=quarantine",
                "--mx-host=sender.test,mx.sender.test,10", "--host-record=mx.sender.test,127.0.0.1",
                "--mx-host=bank.test,mx.bank.test,10", "--host-record=mx.bank.test,192.0.2.10",
                "--mx-host=shop.test,mx.shop.test,10", "--host-record=mx.shop.test,192.0.2.10"));
        rspamd = LocalRspamd.start(dns.address(), Map.of());
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (rspamd != null) {
            rspamd.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @BeforeEach
    void listen() throws Exception {
        stack = new RealStack(null, SmtpMetrics.NOOP, false);
        server = stack.newServer(SmtpConfig.builder().tarpitDelay(Duration.ZERO).tarpitStep(Duration.ZERO),
                SmtpMetrics.NOOP, false, new Filtering(new RspamdFilter(rspamd.url(), Duration.ofSeconds(10)),
                        Filtering.OnError.TEMPFAIL, OptionalDouble.empty(), Set.of("CLAM_VIRUS")));
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ofSeconds(2));
        stack.close();
    }

    static String message(String from, String subject, String body) {
        return "From: " + from + "\r\nTo: <alice@example.test>\r\nSubject: " + subject
                + "\r\nDate: " + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now())
                + "\r\nMessage-ID: <" + System.nanoTime() + "@" + from.replaceAll(".*@|>", "") + ">\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body + "\r\n";
    }

    /** The message signed by sender.test's key (selector sel), with dkimsign. */
    static String signed(String message) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(DKIMSIGN.toString(), "sel", "sender.test", dkimKey.toString()).start();
        p.getOutputStream().write(message.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "dkimsign failed: "
                + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        String s = new String(out, StandardCharsets.US_ASCII).replaceAll("(?<!\r)\n", "\r\n");
        assertTrue(s.startsWith("DKIM-Signature: "), s);
        return s;
    }

    /** One transaction; the reply to the end of data. */
    private String send(String mailFrom, String message) throws IOException {
        return SmtpTestClient.transaction(server.port(), "mx.sender.test", mailFrom, "alice@example.test", message);
    }

    private String lastDelivered() throws Exception {
        List<byte[]> m = stack.messages("alice@example.test");
        return new String(m.getLast(), StandardCharsets.UTF_8);
    }

    /** The header section of what alice would retrieve, unfolded. */
    private static String header(String stored) {
        return stored.substring(0, stored.indexOf("\r\n\r\n")).replaceAll("\r\n[ \t]+", " ");
    }

    @Test
    void gtubeIsRejectedAndNothingIsStored() throws Exception {
        String reply = send("someone@sender.test", message("<someone@sender.test>", "test", GTUBE));
        assertTrue(reply.startsWith("550 5.7.1 "), reply + "\n" + rspamd.log());
        assertEquals(0, stack.storedMessages());
        assertEquals(0, stack.badmailItems());
    }

    @Test
    void aSignedMessageFromAnAllowedAddressPassesSpfDkimAndDmarc() throws Exception {
        String reply = send("alice@sender.test", signed(message("Alice <alice@sender.test>", "hello", "A clean message.")));
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
        String h = header(lastDelivered());
        assertTrue(h.matches("(?s).*\r\nAuthentication-Results: mx\\.example\\.test;.*"), h);
        String ar = h.substring(h.indexOf("\r\nAuthentication-Results: ") + 2);
        ar = ar.substring(0, ar.indexOf("\r\n"));
        assertTrue(ar.contains("spf=pass"), ar);
        assertTrue(ar.contains("dkim=pass header.d=sender.test header.s=sel"), ar);
        assertTrue(ar.contains("dmarc=pass (policy=reject) header.from=sender.test"), ar);
        assertTrue(h.contains("\r\nX-Spam-Status: No, score="), h);
        assertTrue(!h.contains("\r\nX-Spam: Yes"), h);
    }

    @Test
    void aForgedSenderOfARejectDomainIsRefused() throws Exception {
        String reply = send("ceo@bank.test", message("CEO <ceo@bank.test>", "urgent transfer", "Pay this invoice."));
        assertTrue(reply.startsWith("550 5.7.1 "), reply);
        assertEquals(0, stack.storedMessages());
    }

    @Test
    void aForgedSenderOfAQuarantineDomainFailsDmarcAndIsTaggedAsSpam() throws Exception {
        String reply = send("orders@shop.test", message("<orders@shop.test>", "your order", "Click here."));
        assertTrue(reply.startsWith("250 "), reply);
        String h = header(lastDelivered());
        assertTrue(h.contains("dmarc=fail"), h);
        assertTrue(h.contains("spf=fail"), h);
        assertTrue(h.contains("\r\nX-Spam: Yes"), h);
        assertTrue(h.contains("\r\nX-Spam-Status: Yes, score="), h);
    }

    @Test
    void rspamdDownIs451AndTheRetryIsDeliveredOnceItIsBack() throws Exception {
        String message = signed(message("Alice <alice@sender.test>", "retry me", "Sent while rspamd was down."));
        rspamd.stop();
        try {
            assertEquals("451 4.7.1 Content filter unavailable, try again later", send("alice@sender.test", message));
            assertEquals(0, stack.storedMessages());
        } finally {
            rspamd.start();
        }
        String reply = send("alice@sender.test", message); // the sending server retries
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
        assertEquals(1, stack.storedMessages());
        String stored = lastDelivered();
        assertTrue(stored.contains("Subject: retry me"), stored);
        assertTrue(header(stored).contains("dmarc=pass"), stored);
    }
}
