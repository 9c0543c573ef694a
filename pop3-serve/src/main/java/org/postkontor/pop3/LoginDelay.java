package org.postkontor.pop3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.postkontor.store.MailAddress;

/**
 * RFC 2449 §6.8 LOGIN-DELAY, enforced: a user who logs in again sooner than the delay after the
 * last successful login is refused with [LOGIN-DELAY]. Remembered in memory (a restart forgets).
 * Thread-safe.
 */
public final class LoginDelay {

    private final Clock clock;
    private final Duration delay;
    private final Map<MailAddress, Instant> last = new HashMap<>();

    public LoginDelay(Clock clock, Duration delay) {
        this.clock = clock;
        this.delay = delay;
    }

    public boolean enabled() {
        return !delay.isZero();
    }

    /** True (and remembered) if {@code user} may log in now. */
    public synchronized boolean tryLogin(MailAddress user) {
        if (!enabled()) {
            return true;
        }
        Instant now = clock.instant();
        Instant prev = last.get(user);
        if (prev != null && now.isBefore(prev.plus(delay))) {
            return false;
        }
        if (last.size() > 10_000) {
            last.values().removeIf(t -> !now.isBefore(t.plus(delay)));
        }
        last.put(user, now);
        return true;
    }
}
