package org.postkontor.deploy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.tls.Pki.KeyFormat;
import org.postkontor.store.testing.Await;

class CertificateSourceTest {

    @TempDir
    Path dir;

    /** Records what the TLS layer reports. */
    static final class Events implements TlsEvents {
        final List<String> handshakes = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger reloads = new AtomicInteger();
        final AtomicInteger failedReloads = new AtomicInteger();

        @Override
        public void handshake(String service, String protocol) {
            handshakes.add(service + " " + protocol);
        }

        @Override
        public void handshakeFailed(String service) {
            failures.incrementAndGet();
        }

        @Override
        public void reloaded(boolean success) {
            (success ? reloads : failedReloads).incrementAndGet();
        }
    }

    private CertificateSource open(String profile, Events events) throws TlsException {
        return CertificateSource.open(Optional.of(dir.resolve("cert.pem")), Optional.of(dir.resolve("key.pem")),
                dir.resolve("self"), "mail.example.test", profile, Clock.systemUTC(), events);
    }

    private static String cn(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    @Test
    void replacedPemFilesArePresentedOnTheNextHandshake() throws Exception {
        Pki.create("first.example.test", "EC").write(dir, KeyFormat.PKCS8);
        Events events = new Events();
        try (CertificateSource source = open("modern", events)) {
            SSLContext smtp = source.contextFor("smtp");
            SSLContext pop3 = source.contextFor("pop3");
            assertEquals("CN=first.example.test", cn(Handshakes.overSocket(smtp, null, null).peer()));
            assertEquals("CN=first.example.test", cn(Handshakes.betweenEngines(pop3).peer()));

            Pki.create("second.example.test", "RSA").write(dir, KeyFormat.TRADITIONAL);
            assertTrue(source.reloadIfChanged());

            assertEquals("CN=second.example.test", cn(Handshakes.overSocket(smtp, null, null).peer()));
            assertEquals("CN=second.example.test", cn(Handshakes.betweenEngines(pop3).peer()));
            assertEquals(1, events.reloads.get());
            assertFalse(source.reloadIfChanged(), "unchanged files are not reloaded again");
        }
    }

    @Test
    void thePollerPicksUpRenewedFilesWithoutACall() throws Exception {
        Pki.create("old.example.test", "EC").write(dir, KeyFormat.PKCS8);
        try (CertificateSource source = open("modern", new Events())) {
            SSLContext ctx = source.contextFor("pop3");
            source.startPolling(Duration.ofMillis(100));
            Pki.create("renewed.example.test", "EC").write(dir, KeyFormat.TRADITIONAL);
            String seen = "";
            for (int i = 0; i < 200 && !seen.equals("CN=renewed.example.test"); i++) {
                Thread.sleep(100);
                seen = cn(Handshakes.betweenEngines(ctx).peer());
            }
            assertEquals("CN=renewed.example.test", seen);
        }
    }

    @Test
    void aBrokenRenewalKeepsTheOldCertificate() throws Exception {
        Pki.create("good.example.test", "EC").write(dir, KeyFormat.PKCS8);
        Events events = new Events();
        try (CertificateSource source = open("modern", events)) {
            Pki other = Pki.create("other.example.test", "EC");
            Files.writeString(dir.resolve("cert.pem"), Pki.pem(other.cert)); // key.pem still the old key
            assertFalse(source.reloadIfChanged());
            assertEquals(1, events.failedReloads.get());
            assertEquals("CN=good.example.test", cn(Handshakes.overSocket(source.contextFor("smtp"), null, null).peer()));
            other.write(dir, KeyFormat.PKCS8); // the key arrives: now it loads
            assertTrue(source.reloadIfChanged());
            assertEquals("CN=other.example.test", cn(source.certificate()));
        }
    }

    @Test
    void pkcs1AndSec1AndPkcs8KeysAreRead() throws Exception {
        for (String alg : List.of("RSA", "EC")) {
            for (KeyFormat f : List.of(KeyFormat.PKCS8, KeyFormat.TRADITIONAL)) {
                Pki p = Pki.create(alg + "-" + f + ".example.test", alg);
                p.write(dir, f);
                String head = Files.readString(dir.resolve("key.pem")).lines().findFirst().orElseThrow();
                PemCredentials c = PemCredentials.read(dir.resolve("cert.pem"), dir.resolve("key.pem"));
                assertEquals(p.cert, c.leaf(), alg + " " + f + " " + head);
                // PKCS#8 is read by the JDK alone (no BouncyCastle class at start); the rest falls back
                assertEquals(f == KeyFormat.PKCS8, PemCredentials.readPkcs8(dir.resolve("key.pem")) != null, head);
                assertEquals(1, PemCredentials.readChainFast(dir.resolve("cert.pem")).size());
            }
        }
        assertTrue(Files.readString(dir.resolve("key.pem")).startsWith("-----BEGIN EC PRIVATE KEY"));
    }

    @Test
    void encryptedOrMismatchedKeysAreRefusedWithTheFileNamed() throws Exception {
        Pki.create("enc.example.test", "EC").write(dir, KeyFormat.ENCRYPTED_PKCS8);
        TlsException e = assertThrows(TlsException.class, () -> open("modern", new Events()));
        assertTrue(e.getMessage().contains("key.pem") && e.getMessage().contains("encrypted"), e.getMessage());

        Pki a = Pki.create("a.example.test", "EC");
        a.write(dir, KeyFormat.PKCS8);
        Pki.create("b.example.test", "EC").write(dir.resolve("b"), KeyFormat.PKCS8);
        Files.copy(dir.resolve("b/key.pem"), dir.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(TlsException.class, () -> open("modern", new Events()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());

        Pki.create("rsa-a.example.test", "RSA").write(dir, KeyFormat.PKCS8);
        Pki.create("rsa-b.example.test", "RSA").write(dir.resolve("rsa-b"), KeyFormat.PKCS8);
        Files.copy(dir.resolve("rsa-b/key.pem"), dir.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(TlsException.class, () -> open("modern", new Events()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());

        Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
        e = assertThrows(TlsException.class, () -> open("modern", new Events()));
        assertTrue(e.getMessage().contains("cert.pem"), e.getMessage());
    }

    @Test
    void fullChainIsPresentedLeafFirst() throws Exception {
        Pki intermediate = Pki.create("R11 test intermediate", "RSA");
        Pki leaf = Pki.create("leaf.example.test", "EC", intermediate);
        leaf.write(dir, KeyFormat.PKCS8);
        Files.writeString(dir.resolve("cert.pem"), Pki.pem(leaf.cert) + Pki.pem(intermediate.cert));
        try (CertificateSource source = open("modern", new Events())) {
            assertEquals(2, source.chain().size());
            assertEquals("CN=leaf.example.test", cn(Handshakes.overSocket(source.contextFor("smtp"), null, null).peer()));
        }
        // The chain the wrong way round is refused with the reason.
        Files.writeString(dir.resolve("cert.pem"), Pki.pem(leaf.cert) + Pki.pem(Pki.create("stranger", "EC").cert));
        TlsException e = assertThrows(TlsException.class, () -> open("modern", new Events()));
        assertTrue(e.getMessage().contains("do not form a chain"), e.getMessage());
    }

    @Test
    void onlyTls13And12EvenWhenTheCallerEnablesEverything() throws Exception {
        Pki.create("policy.example.test", "EC").write(dir, KeyFormat.PKCS8);
        Events events = new Events();
        try (CertificateSource source = open("modern", events)) {
            SSLContext ctx = source.contextFor("smtp");
            assertEquals("TLSv1.3", Handshakes.overSocket(ctx, null, null).protocol());
            assertEquals("TLSv1.2", Handshakes.overSocket(ctx, new String[] {"TLSv1.2"}, null).protocol());
            // A CBC suite is not in the modern list, though the server socket was told to enable all it supports.
            // (First among the refusals: whether the server side of the TLS 1.1 attempt below ever
            // handshakes, and so counts a failure, depends on when the client gives up.)
            assertThrows(SSLHandshakeException.class, () -> Handshakes.overSocket(ctx, new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}));
            Await.until(Duration.ofSeconds(10), "the CBC-only handshake to count as failed",
                    () -> events.failures.get() > 0);
            assertEquals(1, events.failures.get(), "the CBC-only handshake counts as failed");
            assertThrows(SSLHandshakeException.class,
                    () -> Handshakes.overSocket(ctx, new String[] {"TLSv1.1"}, null));
            var engine = ctx.createSSLEngine();
            engine.setEnabledProtocols(engine.getSupportedProtocols());
            engine.setEnabledCipherSuites(engine.getSupportedCipherSuites());
            assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(engine.getEnabledProtocols()));
            assertTrue(List.of(engine.getEnabledCipherSuites()).stream().noneMatch(s -> s.contains("CBC")));
            // HandshakeCompletedListener runs on its own thread
            Await.until(Duration.ofSeconds(10), "both handshakes to be reported", () -> events.handshakes.size() >= 2);
            assertTrue(events.handshakes.contains("smtp TLSv1.3") && events.handshakes.contains("smtp TLSv1.2"),
                    events.handshakes.toString());
        }
    }

    @Test
    void compatibleProfileAddsCbcForOldClientsButStillNoTls11() throws Exception {
        Pki.create("compat.example.test", "EC").write(dir, KeyFormat.PKCS8);
        try (CertificateSource source = open("compatible", new Events())) {
            SSLContext ctx = source.contextFor("smtp");
            Handshakes.Result r = Handshakes.overSocket(ctx, new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", r.suite());
            assertThrows(SSLHandshakeException.class,
                    () -> Handshakes.overSocket(ctx, new String[] {"TLSv1.1"}, null));
        }
    }

    @Test
    void selfSignedPairIsMadeOnceAndKept() throws Exception {
        Path self = dir.resolve("tls");
        X509Certificate first;
        try (CertificateSource s = CertificateSource.open(Optional.empty(), Optional.empty(), self, "mail.example.test",
                "modern", Clock.systemUTC(), new Events())) {
            assertTrue(s.selfSigned());
            first = s.certificate();
            assertTrue(first.getSubjectX500Principal().getName().contains("CN=mail.example.test"));
            assertEquals("CN=" + "mail.example.test", cn(Handshakes.overSocket(s.contextFor("smtp"), null, null).peer())
                    .replaceAll(",O=.*|O=[^,]*,", ""));
        }
        try (CertificateSource s = CertificateSource.open(Optional.empty(), Optional.empty(), self, "mail.example.test",
                "modern", Clock.systemUTC(), new Events())) {
            assertEquals(first, s.certificate(), "the second start reuses the pair");
        }
        var perms = Files.getPosixFilePermissions(self.resolve("key.pem"));
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), perms);
    }
}
