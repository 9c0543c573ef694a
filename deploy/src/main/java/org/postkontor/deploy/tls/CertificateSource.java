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
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one source of TLS for SMTP STARTTLS, POP3 STLS and POP3S: a certificate chain and key from
 * PEM files (or the self-signed pair of the embedded default), reloaded when the files' modification
 * times or sizes change. {@link #contextFor} hands each service an {@link SSLContext} that always
 * uses the current certificate, so new connections get a new certificate without a restart;
 * connections already open keep theirs. A reload that fails (half-written files, key not matching)
 * keeps the old certificate and is retried when the files change again.
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
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private volatile Stamp lastSeen;
    private ScheduledExecutorService poller;

    private record Loaded(SSLContext context, PemCredentials credentials) {}

    /** Modification time and size of both files, to notice a change. */
    private record Stamp(FileTime certTime, long certSize, FileTime keyTime, long keySize) {}

    private CertificateSource(Path certFile, Path keyFile, boolean selfSigned, TlsPolicy policy, TlsEvents events,
                              Loaded first, Stamp stamp) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.selfSigned = selfSigned;
        this.policy = policy;
        this.events = events;
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
        Objects.requireNonNull(events, "events");
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
        log.info("event=tls_loaded cert={} subject=\"{}\" not_after={} profile={} protocols={} suites={}", certFile,
                creds.leaf().getSubjectX500Principal().getName(), creds.leaf().getNotAfter().toInstant(), profile,
                String.join(",", policy.protocols()), policy.cipherSuites().size());
        return new CertificateSource(certFile, keyFile, selfSigned, policy, events, new Loaded(ctx, creds), stamp);
    }

    /** The context for one service ({@code smtp}, {@code pop3}, {@code pop3s}): the label of its handshake metrics. */
    public SSLContext contextFor(String service) {
        return new PolicySslContext(service, () -> current.get().context(), policy, events);
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
            current.set(new Loaded(creds.serverContext(), creds));
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
