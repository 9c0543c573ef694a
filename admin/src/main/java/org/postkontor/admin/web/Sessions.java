package org.postkontor.admin.web;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Web sessions, in memory: a random 256-bit id (the cookie), who it is, and its CSRF token. A
 * session unused for the idle timeout is gone; a login replaces the session it came from (no
 * fixation); at most {@value #MAX} sessions exist, the least recently used going first. A restart
 * signs everyone out. Thread-safe.
 */
final class Sessions {

    /** Who a session is: nobody yet (the login form's), a web admin, or a mail user on the self-service pages. */
    enum Kind { ANONYMOUS, ADMIN, MAIL_USER }

    static final int MAX = 10_000;

    /**
     * One session. {@code flash} is a one-shot message for the next page (after a redirect).
     */
    static final class Session {
        final String id;
        final Kind kind;
        final String name;
        final String csrf;
        volatile Instant lastSeen;
        volatile Flash flash;

        Session(String id, Kind kind, String name, String csrf, Instant lastSeen) {
            this.id = id;
            this.kind = kind;
            this.name = name;
            this.csrf = csrf;
            this.lastSeen = lastSeen;
        }

        /** Constant-time comparison with the token a form carried. */
        boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                    presented.getBytes(StandardCharsets.US_ASCII));
        }

        /** The flash message, once. */
        Flash takeFlash() {
            Flash f = flash;
            flash = null;
            return f;
        }
    }

    /** A message for the next page: {@code error} false is a confirmation. */
    record Flash(boolean error, String text) {}

    private final Clock clock;
    private final Duration idle;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> byId = new ConcurrentHashMap<>();

    Sessions(Clock clock, Duration idle) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.idle = Objects.requireNonNull(idle, "idle");
    }

    Session create(Kind kind, String name) {
        if (byId.size() >= MAX) {
            evict();
        }
        Session s = new Session(token(), kind, name, token(), clock.instant());
        byId.put(s.id, s);
        return s;
    }

    /** The live session with this id, touched; empty if unknown or idle too long. */
    Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = byId.get(id);
        if (s == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (s.lastSeen.plus(idle).isBefore(now)) {
            byId.remove(id);
            return Optional.empty();
        }
        s.lastSeen = now;
        return Optional.of(s);
    }

    void end(Session s) {
        byId.remove(s.id);
    }

    private void evict() {
        Instant cutoff = clock.instant().minus(idle);
        byId.values().removeIf(s -> s.lastSeen.isBefore(cutoff));
        while (byId.size() >= MAX) {
            byId.values().stream().min(Comparator.comparing(s -> s.lastSeen)).ifPresent(this::end);
        }
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
