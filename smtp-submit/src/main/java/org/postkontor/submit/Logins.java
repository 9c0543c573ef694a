package org.postkontor.submit;

import java.net.InetAddress;
import java.util.Optional;
import org.postkontor.smtp.Listener;
import org.postkontor.store.Accounts;
import org.postkontor.store.LoginThrottle;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.postkontor.submit.SubmissionMetrics.LoginResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AUTH for submission against the POP3 accounts (same hashes and login cache, through
 * {@link Accounts}), with the {@link LoginThrottle} POP3 uses, shared, so that failures on either
 * protocol count against the same address and name. A refused attempt (wrong password, unknown or
 * disabled user, throttled) waits {@link SubmissionConfig#failedLoginDelay()} whatever the reason,
 * so timing tells nothing.
 */
public final class Logins implements Listener.Authenticator {

    private static final Logger log = LoggerFactory.getLogger("postkontor.submission");

    private final Accounts accounts;
    private final LoginThrottle throttle;
    private final SubmissionConfig config;
    private final SubmissionMetrics metrics;
    private final Sleeper sleeper;

    /** Waits; tests pass one that does not. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(java.time.Duration d);

        Sleeper REAL = d -> {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    public Logins(Accounts accounts, LoginThrottle throttle, SubmissionConfig config, SubmissionMetrics metrics,
                  Sleeper sleeper) {
        this.accounts = accounts;
        this.throttle = throttle;
        this.config = config;
        this.metrics = metrics;
        this.sleeper = sleeper;
    }

    @Override
    public Optional<String> authenticate(String login, String password, InetAddress client) {
        String address = client.getHostAddress();
        String name = login.toLowerCase(java.util.Locale.ROOT);
        if (throttle.check(address, name) != LoginThrottle.Verdict.ALLOWED) {
            metrics.login(LoginResult.THROTTLED);
            log.info("event=auth result=throttled client={}", address);
            sleeper.sleep(config.failedLoginDelay());
            return Optional.empty();
        }
        Optional<MailAddress> user;
        char[] pw = password.toCharArray();
        try {
            user = accounts.authenticate(login, pw);
        } catch (StoreException e) {
            log.warn("event=auth result=store_error error=\"{}\"", e.toString());
            return Optional.empty();
        } finally {
            java.util.Arrays.fill(pw, '\0');
        }
        if (user.isEmpty()) {
            throttle.failed(address, name);
            metrics.login(LoginResult.FAILURE);
            log.info("event=auth result=failure client={}", address);
            sleeper.sleep(config.failedLoginDelay());
            return Optional.empty();
        }
        throttle.succeeded(name);
        metrics.login(LoginResult.SUCCESS);
        return Optional.of(login);
    }
}
