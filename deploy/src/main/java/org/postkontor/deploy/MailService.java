package org.postkontor.deploy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * A protocol server as the appliance runs it (SMTP; POP3 with its STLS and implicit-TLS
 * listeners): started before it is handed over, stopped once with a grace period.
 */
interface MailService {

    /** Bound addresses by listener name ({@code smtp}, {@code pop3}, {@code pop3s}). */
    Map<String, InetSocketAddress> addresses();

    /** True while the listener of that name accepts connections. */
    boolean listening(String listener);

    /**
     * Stops accepting at once, lets sessions in flight finish within {@code grace}, then ends the
     * rest (a POP3 session cut off deletes nothing). Returns when every session has ended.
     */
    void stop(Duration grace);
}
