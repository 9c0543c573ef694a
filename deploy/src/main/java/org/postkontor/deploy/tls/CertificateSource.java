package org.postkontor.deploy.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.postkontor.pop3.netty.TlsEngines;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one source of TLS for SMTP STARTTLS, POP3 STLS and POP3S: a certificate chain and key from
 * PEM files (or the self-signed pair of the embedded default), reloaded when the files' modification
 * times or sizes change. {@link #contextFor} hands each service an {@link SSLContext} that always
 * uses the current certificate, so new connections get a new certificate without a restart;
 * connections already open keep theirs. A reload that fails (half-written files, key not matching)
 * keeps the old certificate and is retried when the files change again. POP3 may run on OpenSSL
 * instead of the JDK ({@link #pop3Engines}): same certificate, same policy, same reloading.
 *
 * <p>Lifecycle: {@link #open}, then {@link #startPolling} (optional), then {@link #close}. Thread-safe.
 */
public final class CertificateSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateSource.class);

    private final Path certFile;
    private final Path keyFile;
    private final boolean selfSigned;
    private final TlsPolicy policy;
    private final TlsEvents events;
    private final boolean openSsl;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private volatile Stamp lastSeen;
    private ScheduledExecutorService poller;

    /** {@code openSsl}: POP3's context, null when POP3 runs on the JDK's TLS. */
    private record Loaded(SSLContext context, PemCredentials credentials, SslContext openSsl) {}

    /** Modification time and size of both files, to notice a change. */
    private record Stamp(FileTime certTime, long certSize, FileTime keyTime, long keySize) {}

    private CertificateSource(Path certFile, Path keyFile, boolean selfSigned, TlsPolicy policy, TlsEvents events,
                              boolean openSsl, Loaded first, Stamp stamp) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.selfSigned = selfSigned;
        this.policy = policy;
        this.events = events;
        this.openSsl = openSsl;
        this.current.set(first);
        this.lastSeen = stamp;
    }

    /**
     * Loads {@code cert}/{@code key}; with both empty, makes (once) and loads the self-signed pair
     * under {@code selfSignedDir}.
     *
     * @param profile {@code modern} or {@code compatible} (see {@link TlsPolicy})
     */
    public static CertificateSource open(java.util.Optional<Path> cert, java.util.Optional<Path> key, Path selfSignedDir,
                                         String hostname, String profile, Clock clock, TlsEvents events)
            throws TlsException {
        return open(cert, key, selfSignedDir, hostname, profile, "jdk", clock, events);
    }

    /**
     * As {@link #open(java.util.Optional, java.util.Optional, Path, String, String, Clock, TlsEvents)},
     * with POP3 on {@code pop3Provider}: {@code openssl} (the JDK's TLS, with a warning, where the
     * native library does not load) or {@code jdk}.
     */
    public static CertificateSource open(java.util.Optional<Path> cert, java.util.Optional<Path> key, Path selfSignedDir,
                                         String hostname, String profile, String pop3Provider, Clock clock,
                                         TlsEvents events) throws TlsException {
        Objects.requireNonNull(events, "events");
        boolean openSsl = pop3Provider.equals("openssl");
        if (openSsl && !OpenSslServer.available()) {
            log.warn("event=tls_openssl_unavailable reason=\"{}\" pop3_provider=jdk", OpenSslServer.unavailableReason());
            openSsl = false;
        }
        boolean selfSigned = cert.isEmpty();
        Path certFile = cert.orElse(SelfSignedCertificate.certFileIn(selfSignedDir));
        Path keyFile = key.orElse(selfSignedDir.resolve("key.pem"));
        if (selfSigned && SelfSignedCertificate.ensure(selfSignedDir, hostname, clock)) {
            log.info("event=tls_self_signed_created cert={} key={} name={}", certFile, keyFile, hostname);
        }
        Stamp stamp = stamp(certFile, keyFile);
        PemCredentials creds = PemCredentials.read(certFile, keyFile);
        SSLContext ctx = creds.serverContext();
        TlsPolicy policy = TlsPolicy.named(profile, ctx.getSupportedSSLParameters().getCipherSuites());
        events.certificate(creds.leaf());
        log.info("event=tls_loaded cert={} subject=\"{}\" not_after={} profile={} protocols={} suites={}"
                        + " pop3_provider={}", certFile, creds.leaf().getSubjectX500Principal().getName(),
                creds.leaf().getNotAfter().toInstant(), profile, String.join(",", policy.protocols()),
                policy.cipherSuites().size(), openSsl ? "openssl" : "jdk");
        return new CertificateSource(certFile, keyFile, selfSigned, policy, events, openSsl,
                load(creds, ctx, openSsl, policy), stamp);
    }

    /**
     * {@code creds} with the JDK's context {@code jdk} and, when POP3 runs on OpenSSL, OpenSSL's.
     * Should OpenSSL refuse a key the JDK takes, POP3 uses the JDK's TLS for this certificate, with
     * a warning.
     */
    private static Loaded load(PemCredentials creds, SSLContext jdk, boolean openSsl, TlsPolicy policy) {
        SslContext pop3 = null;
        if (openSsl) {
            try {
                pop3 = OpenSslServer.context(creds, policy);
            } catch (TlsException e) {
                log.warn("event=tls_openssl_refused reason=\"{}\" pop3_provider=jdk", e.getMessage());
            }
        }
        return new Loaded(jdk, creds, pop3);
    }

    /** The context for one service ({@code smtp}, {@code pop3}, {@code pop3s}): the label of its handshake metrics. */
    public SSLContext contextFor(String service) {
        return new PolicySslContext(service, () -> current.get().context(), policy, events);
    }

    /**
     * The engines of POP3's TLS connections, labelled {@code service} in the handshake metrics: on
     * OpenSSL when the source was opened with it (and it took the current certificate), else the
     * JDK's engines of {@link #contextFor}. Either way limited to the {@link TlsPolicy}.
     */
    public TlsEngines pop3Engines(String service) {
        TlsEngines jdk = TlsEngines.of(contextFor(service));
        if (!openSsl) {
            return jdk;
        }
        return new TlsEngines() {
            @Override
            public SSLEngine newEngine(ByteBufAllocator alloc) {
                SslContext ctx = current.get().openSsl();
                return ctx == null ? jdk.newEngine(alloc) : ctx.newEngine(alloc);
            }

            /** The JDK's engines report their own handshakes ({@link PolicySslEngine}); OpenSSL's are reported here. */
            @Override
            public void handshakeEnded(SSLEngine engine, Throwable failure) {
                if (engine instanceof PolicySslEngine) {
                    return;
                }
                if (failure == null) {
                    events.handshake(service, engine.getSession().getProtocol());
                } else if (failure instanceof SSLException) {
                    events.handshakeFailed(service); // not a connection closed before or during it
                }
            }
        };
    }

    /** Whether POP3 runs on OpenSSL with the current certificate. */
    public boolean pop3OnOpenSsl() {
        return current.get().openSsl() != null;
    }

    public TlsPolicy policy() {
        return policy;
    }

    public X509Certificate certificate() {
        return current.get().credentials().leaf();
    }

    public List<X509Certificate> chain() {
        return current.get().credentials().chain();
    }

    public Path certFile() {
        return certFile;
    }

    public Path keyFile() {
        return keyFile;
    }

    public boolean selfSigned() {
        return selfSigned;
    }

    /**
     * Checks the files now; loads them if they changed since the last look. Returns true if a new
     * certificate is now presented.
     */
    public synchronized boolean reloadIfChanged() {
        Stamp now;
        try {
            now = stamp(certFile, keyFile);
        } catch (TlsException e) {
            if (lastSeen != null) {
                log.warn("event=tls_reload_failed reason=\"{}\" keeping=old_certificate", e.getMessage());
                events.reloaded(false);
                lastSeen = null;
            }
            return false;
        }
        if (now.equals(lastSeen)) {
            return false;
        }
        lastSeen = now;
        try {
            PemCredentials creds = PemCredentials.read(certFile, keyFile);
            if (creds.equals(current.get().credentials())) {
                return false;
            }
            current.set(load(creds, creds.serverContext(), openSsl, policy));
            events.certificate(creds.leaf());
            events.reloaded(true);
            log.info("event=tls_reloaded cert={} subject=\"{}\" not_after={}", certFile,
                    creds.leaf().getSubjectX500Principal().getName(), creds.leaf().getNotAfter().toInstant());
            return true;
        } catch (TlsException e) {
            events.reloaded(false);
            log.warn("event=tls_reload_failed reason=\"{}\" keeping=old_certificate", e.getMessage());
            return false;
        }
    }

    /** Polls every {@code interval} on a daemon thread of its own; zero does nothing. */
    public synchronized void startPolling(Duration interval) {
        if (interval.isZero() || poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-reload");
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        poller.scheduleWithFixedDelay(() -> {
            try {
                reloadIfChanged();
            } catch (RuntimeException e) {
                log.warn("event=tls_reload_failed reason=\"{}\"", e.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }

    private static Stamp stamp(Path cert, Path key) throws TlsException {
        try {
            return new Stamp(Files.getLastModifiedTime(cert), Files.size(cert), Files.getLastModifiedTime(key),
                    Files.size(key));
        } catch (IOException e) {
            throw new TlsException("cannot read " + cert + " or " + key + ": " + e.getMessage(), e);
        }
    }
}
