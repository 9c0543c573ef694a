package org.postkontor.admin.web;

import java.time.Duration;
import java.util.Objects;

/**
 * The web admin page's settings, checked once.
 *
 * @param userPages          serve the self-service pages under {@code /me} for mail users
 * @param sessionIdleTimeout a session unused this long is signed out
 * @param failedLoginDelay   a failed login waits this long before its answer
 * @param failureWindow      failed logins older than this are forgotten
 */
public record WebConfig(boolean userPages, Duration sessionIdleTimeout, Duration failedLoginDelay,
                        Duration failureWindow, int maxFailuresPerAddress, int maxFailuresPerUser) {

    public static final WebConfig DEFAULTS = new WebConfig(false, Duration.ofMinutes(30), Duration.ofMillis(1500),
            Duration.ofMinutes(15), 20, 10);

    public WebConfig {
        Objects.requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
        Objects.requireNonNull(failedLoginDelay, "failedLoginDelay");
        Objects.requireNonNull(failureWindow, "failureWindow");
        if (sessionIdleTimeout.isNegative() || sessionIdleTimeout.isZero() || failedLoginDelay.isNegative()
                || failureWindow.isNegative() || failureWindow.isZero()) {
            throw new IllegalArgumentException("web: durations must be positive (the login delay may be 0)");
        }
        if (maxFailuresPerAddress < 1 || maxFailuresPerUser < 1) {
            throw new IllegalArgumentException("web: failure limits must be at least 1");
        }
    }

    public WebConfig withUserPages(boolean on) {
        return new WebConfig(on, sessionIdleTimeout, failedLoginDelay, failureWindow, maxFailuresPerAddress,
                maxFailuresPerUser);
    }

    public WebConfig withFailedLoginDelay(Duration delay) {
        return new WebConfig(userPages, sessionIdleTimeout, delay, failureWindow, maxFailuresPerAddress,
                maxFailuresPerUser);
    }
}
