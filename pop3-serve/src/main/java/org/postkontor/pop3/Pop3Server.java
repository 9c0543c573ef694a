package org.postkontor.pop3;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.postkontor.pop3.netty.Pop3Transport;
import org.postkontor.store.Accounts;
import org.postkontor.store.MaildropStore;

/**
 * The POP3 server: port 110-style (STLS, RFC 2595) and port 995-style (implicit TLS, RFC 8314)
 * listeners serving the store's maildrops. Lifecycle: construct, {@link #start()} once,
 * {@link #stop(Duration)} once. Thread-safe.
 *
 * <p>{@code sslContext} may be null: then there is no TLS listener (the config must set
 * {@code pop3.tls-port} to -1) and no STLS. SSLEngines are created from it per connection, so a
 * context that reloads its certificates is honoured; only TLSv1.3 and TLSv1.2 are enabled.
 */
public final class Pop3Server {

    private final Pop3Config config;
    private final SessionServices services;
    private final SSLContext sslContext;
    private Pop3Transport transport;
    private volatile boolean running;

    public Pop3Server(Pop3Config config, MaildropStore maildrops, Accounts accounts, Pop3Metrics metrics,
                      Clock clock, SSLContext sslContext) {
        this(SessionServices.create(Objects.requireNonNull(config, "config"), maildrops, accounts,
                metrics == null ? Pop3Metrics.NOOP : metrics, clock), sslContext);
    }

    /** With prepared services (tests swap the sleeper or throttles). */
    public Pop3Server(SessionServices services, SSLContext sslContext) {
        this.services = Objects.requireNonNull(services, "services");
        this.config = services.config();
        this.sslContext = sslContext;
        if (sslContext == null && config.tlsPort() >= 0) {
            throw new IllegalArgumentException("pop3.tls-port needs a TLS certificate; set it to -1 or configure TLS");
        }
    }

    /** Binds the listeners. Throws if a port cannot be bound (nothing stays open then). */
    public synchronized void start() throws IOException {
        if (transport != null) {
            throw new IllegalStateException("already started");
        }
        Pop3Transport t = new Pop3Transport(services, sslContext);
        t.start();
        transport = t;
        running = true;
    }

    /**
     * Stops accepting, lets each session finish the command in progress (at most {@code grace}),
     * then closes all connections. A session cut off this way deletes nothing.
     */
    public synchronized void stop(Duration grace) {
        if (transport == null || !running) {
            return;
        }
        running = false;
        transport.stop(grace);
    }

    /** The bound port of the plain (STLS) listener, or -1. */
    public int plainPort() {
        return transport == null ? -1 : transport.plainPort();
    }

    /** The bound port of the implicit-TLS listener, or -1. */
    public int tlsPort() {
        return transport == null ? -1 : transport.tlsPort();
    }

    public boolean isRunning() {
        return running;
    }

    /** Open connections now (for gauges and tests). */
    public int openConnections() {
        return transport == null ? 0 : transport.openConnections();
    }

    public Pop3Config config() {
        return config;
    }
}
