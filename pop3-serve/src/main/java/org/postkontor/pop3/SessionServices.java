package org.postkontor.pop3;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import org.postkontor.store.Accounts;
import org.postkontor.store.LoginThrottle;
import org.postkontor.store.MaildropStore;

/**
 * What every session of one server shares: config, the store's interfaces, throttles, metrics,
 * time. Built once per server start.
 */
public record SessionServices(Pop3Config config, MaildropStore maildrops, Accounts accounts,
                              LoginThrottle throttle, LoginDelay loginDelay, Pop3Metrics metrics,
                              Clock clock, Sleeper sleeper, SecureRandom random, byte[] scramFakeSecret) {

    public SessionServices {
        Objects.requireNonNull(config);
        Objects.requireNonNull(maildrops);
        Objects.requireNonNull(accounts);
        Objects.requireNonNull(throttle);
        Objects.requireNonNull(loginDelay);
        Objects.requireNonNull(metrics);
        Objects.requireNonNull(clock);
        Objects.requireNonNull(sleeper);
        Objects.requireNonNull(random);
        Objects.requireNonNull(scramFakeSecret);
    }

    /** Standard wiring: throttles from the config, real sleeps, a fresh random secret. */
    public static SessionServices create(Pop3Config config, MaildropStore maildrops, Accounts accounts,
                                         Pop3Metrics metrics, Clock clock) {
        return create(config, maildrops, accounts, metrics, clock, throttle(config, clock));
    }

    /**
     * The same with a login throttle shared with the other protocols that check passwords (SMTP
     * submission), so that an attacker gains nothing by switching protocols.
     */
    public static SessionServices create(Pop3Config config, MaildropStore maildrops, Accounts accounts,
                                         Pop3Metrics metrics, Clock clock, LoginThrottle throttle) {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return new SessionServices(config, maildrops, accounts, throttle,
                new LoginDelay(clock, config.loginDelay()), metrics, clock, Sleeper.REAL, random, secret);
    }

    /** The throttle the config asks for ({@code pop3.failure-window}, {@code pop3.max-failures-*}). */
    public static LoginThrottle throttle(Pop3Config config, Clock clock) {
        return new LoginThrottle(clock, config.failureWindow(), config.maxFailuresPerAddress(),
                config.maxFailuresPerUser());
    }
}
