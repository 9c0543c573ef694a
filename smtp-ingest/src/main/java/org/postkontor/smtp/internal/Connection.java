package org.postkontor.smtp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;

/**
 * What Postkontor knows about one TCP connection, shared by its socket adapter, its reply writer,
 * the connection limiter and its mail transactions. Used by the session's own thread, except
 * {@link #closeNow()} (watchdog) and the volatile fields.
 */
public final class Connection {

    private final SmtpConfig config;
    private final SmtpMetrics metrics;
    private final Clock clock;
    private final Instant started;
    private final Socket socket;
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile String tlsProtocol;
    private volatile String tlsCipher;
    private volatile InetSocketAddress client;
    private volatile ScheduledFuture<?> watchdog;
    private volatile boolean inTransaction;
    private boolean dataReceived;

    private volatile String dnsblListing;
    private String okHint;
    private int errors;
    private int transactions;

    public Connection(SmtpConfig config, SmtpMetrics metrics, Clock clock, Socket socket) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.started = clock.instant();
        this.socket = socket;
    }

    public SmtpConfig config() {
        return config;
    }

    public SmtpMetrics metrics() {
        return metrics;
    }

    public Clock clock() {
        return clock;
    }

    public Instant started() {
        return started;
    }

    /** Past {@link SmtpConfig#sessionMaxDuration()}? */
    public boolean expired() {
        return clock.instant().isAfter(started.plus(config.sessionMaxDuration()));
    }

    public void tlsEstablished(String protocol, String cipher) {
        this.tlsProtocol = protocol;
        this.tlsCipher = cipher;
    }

    /** The TLS protocol in use, or null on a plain connection. */
    public String tlsProtocol() {
        return tlsProtocol;
    }

    public String tlsCipher() {
        return tlsCipher;
    }

    /** The client as limits and logs see it (the PROXY source when PROXY is on). */
    public InetSocketAddress client() {
        InetSocketAddress c = client;
        return c != null ? c : (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    public void client(InetSocketAddress client) {
        this.client = client;
    }

    /** The DNSBL zone that lists this client (checked at connect), or null. */
    String dnsblListing() {
        return dnsblListing;
    }

    void dnsblListing(String zone) {
        this.dnsblListing = zone;
    }

    public void watchdog(ScheduledFuture<?> watchdog) {
        this.watchdog = watchdog;
    }

    /** The enhanced code for the next plain "250 Ok" the library sends (MAIL: 2.1.0, RCPT: 2.1.5). */
    public void okHint(String enhanced) {
        this.okHint = enhanced;
    }

    String takeOkHint() {
        String h = okHint;
        okHint = null;
        return h;
    }

    /** Counts one bad command; returns how many this session has made. */
    int countError() {
        return ++errors;
    }

    /** Between MAIL and the end of the transaction (stop waits for these). */
    public void inTransaction(boolean v) {
        this.inTransaction = v;
    }

    public boolean inTransaction() {
        return inTransaction;
    }

    /** Set when a transaction's data was read (so the DATA reply ends the transaction). */
    public void dataReceived(boolean v) {
        this.dataReceived = v;
    }

    public boolean dataReceived() {
        return dataReceived;
    }

    /** A number for the next transaction of this session (1, 2, ...). */
    public int nextTransaction() {
        return ++transactions;
    }

    public boolean isClosed() {
        return closed.get() || socket.isClosed();
    }

    /** Closes the TCP connection (the session thread then sees EOF or a socket error and ends). */
    public void closeNow() {
        if (closed.compareAndSet(false, true)) {
            ScheduledFuture<?> w = watchdog;
            if (w != null) {
                w.cancel(false);
            }
            try {
                socket.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
