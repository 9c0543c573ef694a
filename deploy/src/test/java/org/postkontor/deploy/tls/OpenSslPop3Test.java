package org.postkontor.deploy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslEngine;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.tls.CertificateSourceTest.Events;
import org.postkontor.deploy.tls.Pki.KeyFormat;
import org.postkontor.pop3.netty.TlsEngines;
import org.postkontor.store.testing.Await;

/** POP3's TLS on OpenSSL ({@code tls.pop3-provider=openssl}, the default): real handshakes through Netty. */
class OpenSslPop3Test {

    @TempDir
    Path dir;

    private CertificateSource open(String profile, String provider, Events events) throws TlsException {
        return CertificateSource.open(Optional.of(dir.resolve("cert.pem")), Optional.of(dir.resolve("key.pem")),
                dir.resolve("self"), "mail.example.test", profile, provider, Clock.systemUTC(), events);
    }

    /**
     * Contract with netty-tcnative: its BoringSSL loads on the platforms the appliance ships for.
     * An upgrade that breaks the native library fails here instead of quietly falling back to the JDK.
     */
    @Test
    void boringSslLoadsOnThisPlatform() {
        assertTrue(OpenSslServer.available(), OpenSslServer.unavailableReason());
    }

    @Test
    void pop3OnOpenSslKeepsThePolicyAndReportsHandshakes() throws Exception {
        Pki.create("pop3.example.test", "EC").write(dir, KeyFormat.PKCS8);
        Events events = new Events();
        try (CertificateSource source = open("modern", "openssl", events)) {
            assertTrue(source.pop3OnOpenSsl());
            TlsEngines engines = source.pop3Engines("pop3");
            SSLEngine engine = engines.newEngine(ByteBufAllocator.DEFAULT);
            assertInstanceOf(OpenSslEngine.class, engine);
            // (OpenSSL's engines also list SSLv2Hello, a hello format, not a protocol)
            assertEquals(List.of("TLSv1.2", "TLSv1.3"), List.of(engine.getEnabledProtocols()).stream()
                    .filter(p -> !p.equals("SSLv2Hello")).sorted().toList());

            Handshakes.Result r = Handshakes.overNetty(engines, null, null);
            assertEquals("CN=pop3.example.test", r.peer().getSubjectX500Principal().getName());
            assertEquals("TLSv1.3", r.protocol());
            assertEquals("TLSv1.2", Handshakes.overNetty(engines, new String[] {"TLSv1.2"}, null).protocol());
            // a CBC suite is not in the modern profile; TLS 1.1 is in none (whether the server side of
            // that attempt ever sees a hello, and so counts a failure, depends on the client's JDK)
            assertThrows(SSLHandshakeException.class, () -> Handshakes.overNetty(engines, new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}));
            Await.until(Duration.ofSeconds(10), "the CBC-only handshake to count as failed",
                    () -> events.failures.get() > 0);
            assertEquals(1, events.failures.get());
            assertThrows(SSLHandshakeException.class,
                    () -> Handshakes.overNetty(engines, new String[] {"TLSv1.1"}, null));
            assertEquals(List.of("pop3 TLSv1.3", "pop3 TLSv1.2"), events.handshakes);
        }
    }

    @Test
    void compatibleProfileOffersCbcOnOpenSslToo() throws Exception {
        Pki.create("compat.example.test", "EC").write(dir, KeyFormat.PKCS8);
        try (CertificateSource source = open("compatible", "openssl", new Events())) {
            TlsEngines engines = source.pop3Engines("pop3");
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Handshakes.overNetty(engines, new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}).suite());
            assertThrows(SSLHandshakeException.class,
                    () -> Handshakes.overNetty(engines, new String[] {"TLSv1.1"}, null));
        }
    }

    @Test
    void aRenewedCertificateIsPresentedOnTheNextConnection() throws Exception {
        Pki.create("first.example.test", "EC").write(dir, KeyFormat.PKCS8);
        try (CertificateSource source = open("modern", "openssl", new Events())) {
            TlsEngines engines = source.pop3Engines("pop3");
            assertEquals("CN=first.example.test", Handshakes.overNetty(engines, null, null).peer()
                    .getSubjectX500Principal().getName());
            Pki.create("second.example.test", "RSA").write(dir, KeyFormat.TRADITIONAL);
            assertTrue(source.reloadIfChanged());
            assertTrue(source.pop3OnOpenSsl());
            assertEquals("CN=second.example.test", Handshakes.overNetty(engines, null, null).peer()
                    .getSubjectX500Principal().getName());
        }
    }

    @Test
    void theJdkProviderKeepsPop3OnTheJdk() throws Exception {
        Pki.create("jdk.example.test", "EC").write(dir, KeyFormat.PKCS8);
        Events events = new Events();
        try (CertificateSource source = open("modern", "jdk", events)) {
            assertFalse(source.pop3OnOpenSsl());
            TlsEngines engines = source.pop3Engines("pop3");
            assertInstanceOf(PolicySslEngine.class, engines.newEngine(ByteBufAllocator.DEFAULT));
            assertEquals("TLSv1.3", Handshakes.overNetty(engines, null, null).protocol());
            Await.until(Duration.ofSeconds(10), "the handshake to be reported", () -> !events.handshakes.isEmpty());
            assertEquals(List.of("pop3 TLSv1.3"), events.handshakes, "reported once, by the JDK's engine");
        }
    }
}
