package org.postkontor.pop3;

import java.io.IOException;
import java.time.Duration;

/**
 * A POP3 server: port 110-style (STLS, RFC 2595) and port 995-style (implicit TLS, RFC 8314)
 * listeners serving the store's maildrops through {@link Pop3Session}s. The network side is an
 * implementation's ({@code netty.NettyPop3Server}); this package knows none.
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #stop(Duration)} once (a stopped server
 * is not started again). The ports are known after {@link #start()}. Thread-safe.
 */
public interface Pop3Server {

    /** Binds the listeners. Throws if a port cannot be bound (nothing stays open then). */
    void start() throws IOException;

    /**
     * Stops accepting, lets each session finish the command in progress (at most {@code grace}),
     * then closes all connections. A session cut off this way deletes nothing.
     */
    void stop(Duration grace);

    /** The bound port of the plain (STLS) listener, or -1. */
    int plainPort();

    /** The bound port of the implicit-TLS listener, or -1. */
    int tlsPort();

    boolean isRunning();

    /** Open connections now (for gauges and tests). */
    int openConnections();

    Pop3Config config();
}
