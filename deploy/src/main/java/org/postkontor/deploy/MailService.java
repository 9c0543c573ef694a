package org.postkontor.deploy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A protocol listener as the appliance runs it (SMTP, POP3, POP3S): bound when made, then
 * {@link #stopAccepting}, {@link #awaitIdle} and {@link #close} at shutdown, in that order.
 */
public interface MailService extends AutoCloseable {

    /** {@code smtp}, {@code pop3} or {@code pop3s}: health, logs and metrics call it this. */
    String name();

    /** The bound address (the real port when the config says 0). */
    InetSocketAddress address();

    /** True while the listening socket is open. */
    boolean bound();

    /** Closes the listening socket; sessions in flight go on. */
    void stopAccepting();

    /** Waits until no session is open, up to {@code timeout}; true if none is left. */
    boolean awaitIdle(Duration timeout) throws InterruptedException;

    /** Ends whatever sessions remain (a POP3 session cut off deletes nothing) and frees the threads. */
    @Override
    void close();
}
