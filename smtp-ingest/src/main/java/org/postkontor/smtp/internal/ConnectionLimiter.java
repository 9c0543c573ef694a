package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postkontor.smtp.DnsblConfig;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * SubEthaSMTP's {@link SessionHandler}: limits sessions in all and per client IP (the PROXY
 * source address when PROXY is on, which the library's own per-source limiter does not use), refuses
 * new sessions while the server drains, and arms the session-duration watchdog.
 */
public final class ConnectionLimiter implements SessionHandler {

    /** Grace after {@code sessionMaxDuration} before the watchdog closes a session mid-command. */
    private static final long WATCHDOG_GRACE_MILLIS = 30_000;

    private final SmtpConfig config;
    private final SmtpMetrics metrics;
    private final ScheduledExecutorService watchdogs;
    private final Blocklists blocklists;
    private final AtomicInteger active = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private volatile boolean draining;

    public ConnectionLimiter(SmtpConfig config, SmtpMetrics metrics, ScheduledExecutorService watchdogs) {
        this.config = config;
        this.metrics = metrics;
        this.watchdogs = watchdogs;
        this.blocklists = new Blocklists(config.dnsbl(), metrics);
    }

    /** New sessions get 421 4.3.2 from now on. */
    public void drain() {
        draining = true;
    }

    public int active() {
        return active.get();
    }

    @Override
    public SessionAcceptance accept(Session session) {
        AdaptedSocket socket = (AdaptedSocket) session.getSocket();
        Connection conn = socket.connection();
        if (socket instanceof TlsSocket tls) {
            try {
                tls.handshakeIfPending();
            } catch (IOException e) {
                return SessionAcceptance.failure(421, "4.7.0 TLS handshake failed");
            }
        }
        try {
            socket.input().commands(session.getRawInput()); // the PROXY header is behind us
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        conn.client(session.getRemoteAddress());
        if (draining) {
            return SessionAcceptance.failure(421, "4.3.2 Service shutting down, try again later");
        }
        InetAddress ip = conn.client().getAddress();
        if (active.incrementAndGet() > config.maxConnections()) {
            active.decrementAndGet();
            metrics.rejection(Reason.TOO_MANY_CONNECTIONS);
            return refusal();
        }
        boolean[] over = {false};
        perIp.compute(ip, (k, v) -> {
            int n = v == null ? 0 : v;
            if (n >= config.maxConnectionsPerIp()) {
                over[0] = true;
                return v;
            }
            return n + 1;
        });
        if (over[0]) {
            active.decrementAndGet();
            metrics.rejection(Reason.TOO_MANY_CONNECTIONS);
            return refusal();
        }
        // After the limits, so a flood of connections costs no DNS queries.
        String listing = blocklists.listing(ip).orElse(null);
        if (listing != null) {
            conn.dnsblListing(listing);
            if (config.dnsbl().rejectAt() == DnsblConfig.RejectAt.CONNECT) {
                active.decrementAndGet();
                perIp.computeIfPresent(ip, (k, v) -> v <= 1 ? null : v - 1);
                metrics.rejection(Reason.DNSBL);
                Reply r = Reply.dnsbl(ip, listing);
                return SessionAcceptance.failure(r.code(), r.enhanced() + " " + r.text());
            }
        }
        metrics.connectionOpened();
        conn.watchdog(watchdogs.schedule(conn::closeNow,
                config.sessionMaxDuration().toMillis() + WATCHDOG_GRACE_MILLIS, TimeUnit.MILLISECONDS));
        return SessionAcceptance.success();
    }

    private static SessionAcceptance refusal() {
        Reply r = Reply.TOO_MANY_CONNECTIONS;
        return SessionAcceptance.failure(r.code(), r.enhanced() + " " + r.text());
    }

    @Override
    public void onSessionEnd(Session session) {
        Connection conn = ((AdaptedSocket) session.getSocket()).connection();
        active.decrementAndGet();
        perIp.computeIfPresent(conn.client().getAddress(), (k, v) -> v <= 1 ? null : v - 1);
        conn.closeNow();
        metrics.connectionClosed();
    }
}
