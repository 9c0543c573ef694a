package org.postkontor.smtp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.postkontor.badmail.BadmailIntake;
import org.postkontor.smtp.filter.Filtering;
import org.postkontor.smtp.internal.AdaptedServerSocket;
import org.postkontor.smtp.internal.Connection;
import org.postkontor.smtp.internal.ConnectionLimiter;
import org.postkontor.smtp.internal.PasswordCheck;
import org.postkontor.smtp.internal.RoleTransaction;
import org.postkontor.smtp.internal.StartTls;
import org.postkontor.smtp.internal.TransactionFactory;
import org.postkontor.smtp.internal.subetha.BdatCommandGuard;
import org.postkontor.smtp.internal.subetha.DataCommandGuard;
import org.postkontor.smtp.internal.subetha.GuardedProxyHandler;
import org.postkontor.smtp.internal.subetha.MailCommandGuard;
import org.postkontor.smtp.internal.subetha.SessionExecutor;
import org.postkontor.store.Directory;
import org.postkontor.store.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageHandlerFactory;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The SMTP listener: SubEthaSMTP 7.2.x configured through its builder, one virtual thread per
 * session, delivering into the store's {@link Spool}. Lifecycle: construct, {@link #start()} once,
 * {@link #stop(Duration)} once (a stopped server cannot be started again). Thread-safe.
 *
 * <p>STARTTLS is offered when an {@link SSLContext} is given (TLS 1.3 and 1.2 only); it is never
 * required (this is a public MX: RFC 3207 §4 forbids requiring it). The same machinery serves a
 * {@link Listener} (submission) with TLS and authentication required.
 */
public final class SmtpServer {

    private static final Logger log = LoggerFactory.getLogger(SmtpServer.class);

    private final SmtpConfig config;
    private final SmtpMetrics metrics;
    private final Clock clock;
    private final SMTPServer server;
    private final ConnectionLimiter limiter;
    private final Filtering filtering;
    private final String name;
    private final ScheduledThreadPoolExecutor watchdogs;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private boolean started;

    public SmtpServer(SmtpConfig config, Directory directory, Spool spool, BadmailIntake badmail,
                      SmtpMetrics metrics, Clock clock, SSLContext sslContext) {
        this(config, directory, spool, badmail, metrics, clock, sslContext, Filtering.OFF);
    }

    /**
     * The MX listener, screening inbound mail with {@code filtering} before it stores it (the
     * filter is closed by {@link #stop}).
     */
    public SmtpServer(SmtpConfig config, Directory directory, Spool spool, BadmailIntake badmail,
                      SmtpMetrics metrics, Clock clock, SSLContext sslContext, Filtering filtering) {
        this(config, metrics, clock, sslContext, new TransactionFactory(config, metrics,
                Objects.requireNonNull(directory, "directory"), Objects.requireNonNull(spool, "spool"),
                Objects.requireNonNull(badmail, "badmail"), Objects.requireNonNull(filtering, "filtering")),
                null, filtering);
    }

    /**
     * A listener that serves {@code listener}'s {@link MailRole} (submission, RFC 6409 and RFC 8314)
     * with the same limits, framing and checks as the MX: TLS always (STARTTLS required before
     * anything but EHLO, HELO, STARTTLS, NOOP, RSET and QUIT, or implicit TLS), AUTH PLAIN and LOGIN
     * offered only over TLS, and MAIL refused (530 5.7.0) until a client authenticated. Its mail is
     * not screened as inbound.
     */
    public SmtpServer(SmtpConfig config, Listener listener, SmtpMetrics metrics, Clock clock, SSLContext sslContext) {
        this(config, metrics, clock, Objects.requireNonNull(sslContext, "a submission listener needs TLS"),
                RoleTransaction.factory(config, metrics, listener.role()), listener, Filtering.OFF);
    }

    private SmtpServer(SmtpConfig config, SmtpMetrics metrics, Clock clock, SSLContext sslContext,
                       MessageHandlerFactory transactions, Listener listener, Filtering filtering) {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.filtering = filtering;
        this.name = listener == null ? "SMTP" : listener.name();
        this.watchdogs = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smtp-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdogs.setRemoveOnCancelPolicy(true);
        watchdogs.scheduleWithFixedDelay(() -> connections.removeIf(Connection::isClosed), 30, 30, TimeUnit.SECONDS);
        this.limiter = new ConnectionLimiter(config, metrics, watchdogs);
        ExecutorService sessions = new SessionExecutor(Thread.ofVirtual()
                .name("smtp-session-", 0)
                .uncaughtExceptionHandler((t, e) -> log.warn("SMTP session ended by an unexpected error", e))
                .factory());
        SSLContext implicitTls = listener != null && listener.tls() == Listener.Tls.IMPLICIT ? sslContext : null;
        SMTPServer.Builder b = SMTPServer.port(config.port())
                .bindAddress(config.bindAddress())
                .hostName(config.hostname())
                .softwareName("Postkontor")
                .executorService(sessions)
                .maxConnections(config.maxConnections())
                // A burst of connections must queue in the kernel, not overflow the library's
                // default listen backlog of 50 (clients then hang without a greeting); the kernel
                // caps this at net.core.somaxconn.
                .backlog(Math.max(50, config.maxConnections()))
                .maxMessageSize((int) config.maxMessageSize())
                .maxRecipients(-1) // enforced by Transaction with 452 4.5.3
                .connectionTimeoutMs((int) config.commandTimeout().toMillis())
                .insertReceivedHeaders(false) // ours carry TLS details and never do reverse DNS
                .sessionHandler(limiter)
                .serverSocketFactory(() -> new AdaptedServerSocket(socket -> {
                    Connection c = new Connection(config, metrics, clock, socket);
                    connections.add(c);
                    return c;
                }, implicitTls))
                .messageHandlerFactory(transactions);
        if (sslContext != null && implicitTls == null) {
            b.enableTLS(true).startTlsSocketFactory(socket -> StartTls.over(socket, sslContext));
        }
        if (listener != null) {
            b.authenticationHandlerFactory(PasswordCheck.factory(listener.authenticator())).requireAuth(true);
            if (listener.tls() == Listener.Tls.STARTTLS_REQUIRED) {
                b.requireTLS(true);
            }
        }
        if (config.proxyProtocol()) {
            b.proxyHandler(new GuardedProxyHandler(metrics));
        }
        this.server = b.build();
        MailCommandGuard.install(server, TransactionFactory::validSender, config.maxMessageSize());
        server.getCommandHandler().addCommand(new BdatCommandGuard());
        server.getCommandHandler().addCommand(new DataCommandGuard());
    }

    /** Binds and starts accepting. Throws {@link UncheckedIOException} naming the address if it cannot bind. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("an SmtpServer starts once");
        }
        started = true;
        try {
            server.start();
        } catch (RuntimeException e) {
            watchdogs.shutdownNow();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new UncheckedIOException("cannot listen on " + config.bindAddress().getHostAddress() + ":"
                    + config.port() + ": " + cause.getMessage(),
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        running = true;
        log.info("{} listening on {}:{}", name, config.bindAddress().getHostAddress(), port());
    }

    /**
     * Stops accepting (new connections get 421 4.3.2 until the socket closes), closes idle
     * sessions, waits up to {@code grace} for transactions in flight to finish, then closes the
     * rest. Returns when every session has ended.
     */
    public synchronized void stop(Duration grace) {
        if (!running) {
            return;
        }
        running = false;
        limiter.drain();
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline) {
            connections.removeIf(Connection::isClosed);
            for (Connection c : connections) {
                if (!c.inTransaction()) {
                    c.closeNow();
                }
            }
            if (limiter.active() == 0) {
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop();
        if (filtering.enabled()) {
            filtering.filter().close();
        }
        watchdogs.shutdownNow();
        try {
            watchdogs.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("{} stopped", name);
    }

    /** The bound port (the chosen one when configured with 0). */
    public int port() {
        return server.getPortAllocated();
    }

    public boolean isRunning() {
        return running && server.isRunning();
    }

    public SmtpConfig config() {
        return config;
    }
}
