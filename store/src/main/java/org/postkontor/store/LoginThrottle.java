package org.postkontor.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Counts failed logins per client address and per login name within a sliding window. A key that
 * reached its limit is refused until its oldest counted failure leaves the window: never a
 * permanent lockout. Memory is bounded: each key keeps at most its limit of timestamps, and keys
 * with nothing left in the window are dropped. Thread-safe.
 *
 * <p>In the store's API because every protocol that checks passwords throttles the same way, and
 * one instance is shared by POP3 and SMTP submission, so an attacker gains nothing by switching
 * protocols; the web admin and self-service pages throttle their sign-ins the same way.
 */
public final class LoginThrottle {

    /** What a login attempt may do now. */
    public enum Verdict { ALLOWED, ADDRESS_BLOCKED, USER_BLOCKED }

    private static final int MAX_KEYS = 100_000;

    private final Clock clock;
    private final Duration window;
    private final int perAddress;
    private final int perUser;
    private final Map<String, Deque<Instant>> byAddress = new HashMap<>();
    private final Map<String, Deque<Instant>> byUser = new HashMap<>();

    public LoginThrottle(Clock clock, Duration window, int perAddress, int perUser) {
        this.clock = clock;
        this.window = window;
        this.perAddress = perAddress;
        this.perUser = perUser;
    }

    public synchronized Verdict check(String address, String login) {
        Instant now = clock.instant();
        if (count(byAddress, address, now) >= perAddress) {
            return Verdict.ADDRESS_BLOCKED;
        }
        if (login != null && count(byUser, key(login), now) >= perUser) {
            return Verdict.USER_BLOCKED;
        }
        return Verdict.ALLOWED;
    }

    public synchronized void failed(String address, String login) {
        Instant now = clock.instant();
        add(byAddress, address, now, perAddress);
        if (login != null) {
            add(byUser, key(login), now, perUser);
        }
    }

    /** A success clears the user's failures (the real user got in) but not the address's. */
    public synchronized void succeeded(String login) {
        byUser.remove(key(login));
    }

    private int count(Map<String, Deque<Instant>> map, String k, Instant now) {
        Deque<Instant> d = map.get(k);
        if (d == null) {
            return 0;
        }
        prune(d, now);
        if (d.isEmpty()) {
            map.remove(k);
            return 0;
        }
        return d.size();
    }

    private void add(Map<String, Deque<Instant>> map, String k, Instant now, int limit) {
        if (map.size() >= MAX_KEYS) {
            sweep(map, now);
        }
        Deque<Instant> d = map.computeIfAbsent(k, x -> new ArrayDeque<>());
        prune(d, now);
        d.addLast(now);
        while (d.size() > limit) {
            d.removeFirst();
        }
    }

    private void prune(Deque<Instant> d, Instant now) {
        Instant cutoff = now.minus(window);
        while (!d.isEmpty() && !d.peekFirst().isAfter(cutoff)) {
            d.removeFirst();
        }
    }

    private void sweep(Map<String, Deque<Instant>> map, Instant now) {
        for (Iterator<Deque<Instant>> it = map.values().iterator(); it.hasNext(); ) {
            Deque<Instant> d = it.next();
            prune(d, now);
            if (d.isEmpty()) {
                it.remove();
            }
        }
        if (map.size() >= MAX_KEYS) {
            map.clear(); // under a flood of distinct keys, forget rather than grow without bound
        }
    }

    private static String key(String login) {
        return login.toLowerCase(Locale.ROOT);
    }
}
