package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.pop3.Pop3Metrics;

/**
 * {@link Pop3Metrics} as {@code postkontor_pop3_*} metrics (README.md, Metrics). Label values outside the
 * documented sets become {@code other}. TLS handshakes are counted by the TLS layer
 * ({@code postkontor_tls_handshakes_total{service="pop3"}}), so the TLS hooks here do nothing.
 */
public final class Pop3Meters implements Pop3Metrics {

    static final Set<String> MECHANISMS = Set.of("user", "apop", "plain", "login", "scram_sha_256");
    /** Result labels: POP3's {@code bad_credentials} is {@code failure}, its {@code login_delay} is {@code throttled}. */
    static final Set<String> RESULTS = Set.of("success", "failure", "throttled", "in_use", "plaintext_refused",
            "store_error");
    static final Set<String> ABORTED = Set.of("client_closed", "idle_timeout", "shutdown", "too_many_errors",
            "tls_failed", "error", "other");
    static final Set<String> CLOSED = Set.of("quit", "quit_error", "client_closed", "idle_timeout", "shutdown",
            "too_many_errors", "tls_failed", "error");
    static final Set<String> REFUSED = Set.of("max_connections", "max_per_address");

    private final MeterRegistry r;
    private final AtomicLong active = new AtomicLong();
    private final Counter retrievedMessages;
    private final Counter retrievedBytes;
    private final Counter top;
    private final Counter deleted;
    private final Counter lockConflicts;
    private final Counter aborted;

    public Pop3Meters(MeterRegistry r) {
        this.r = r;
        for (String l : Set.of("pop3", "pop3s")) {
            sessions(l);
        }
        Gauge.builder("postkontor.pop3.sessions.active", active, AtomicLong::doubleValue)
                .strongReference(true).description("POP3 sessions open now").register(r);
        for (String how : CLOSED) {
            closed(how);
        }
        for (String reason : REFUSED) {
            refused(reason);
        }
        for (String m : MECHANISMS) {
            for (String res : RESULTS) {
                login(m, res, false);
            }
        }
        retrievedMessages = Meters.counter(r, "postkontor.pop3.retrieved.messages", "Messages sent by RETR");
        retrievedBytes = Meters.counter(r, "postkontor.pop3.retrieved.bytes", "Octets sent by RETR");
        top = Meters.counter(r, "postkontor.pop3.top", "TOP commands answered");
        deleted = Meters.counter(r, "postkontor.pop3.deleted.messages", "Messages expunged at QUIT");
        lockConflicts = Meters.counter(r, "postkontor.pop3.lock.conflicts", "Logins refused with [IN-USE]");
        aborted = Meters.counter(r, "postkontor.pop3.sessions.aborted", "Sessions ended without QUIT (nothing deleted)");
    }

    private Counter sessions(String listener) {
        return Meters.counter(r, "postkontor.pop3.sessions", "POP3 sessions started", "listener", listener);
    }

    private Counter closed(String how) {
        return Meters.counter(r, "postkontor.pop3.sessions.closed", "POP3 sessions ended, by how", "how", how);
    }

    private Counter refused(String reason) {
        return Meters.counter(r, "postkontor.pop3.connections.refused", "Connections refused before the greeting",
                "reason", reason);
    }

    private void login(String mechanism, String result, boolean count) {
        String res = switch (result) {
            case "bad_credentials" -> "failure";
            case "login_delay" -> "throttled";
            default -> RESULTS.contains(result) ? result : "failure";
        };
        Counter c = Meters.counter(r, "postkontor.pop3.logins", "Login attempts", "mechanism",
                MECHANISMS.contains(mechanism) ? mechanism : "other", "result", res);
        if (count) {
            c.increment();
        }
    }

    @Override
    public void sessionOpened(String listener) {
        sessions("tls".equals(listener) ? "pop3s" : "pop3").increment();
        active.incrementAndGet();
    }

    @Override
    public void sessionClosed(String how) {
        String h = CLOSED.contains(how) ? how : "other";
        closed(h).increment();
        if (ABORTED.contains(h)) {
            aborted.increment();
        }
        active.updateAndGet(v -> Math.max(0, v - 1));
    }

    @Override
    public void connectionRefused(String reason) {
        refused(REFUSED.contains(reason) ? reason : "other").increment();
    }

    @Override
    public void login(String mechanism, String result) {
        login(mechanism, result, true);
    }

    @Override
    public void retrieved(long octets) {
        retrievedMessages.increment();
        retrievedBytes.increment(octets);
    }

    @Override
    public void top() {
        top.increment();
    }

    @Override
    public void deleted(int messages) {
        deleted.increment(messages);
    }

    @Override
    public void lockConflict() {
        lockConflicts.increment();
    }
}
