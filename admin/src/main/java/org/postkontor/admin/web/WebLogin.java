package org.postkontor.admin.web;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.Accounts;
import org.postkontor.store.LoginThrottle;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.postkontor.store.WebUsers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password checks of the web pages, throttled as POP3 throttles its logins: failures are counted
 * per client IP and per name in a {@link LoginThrottle}, and every failure (wrong password, unknown
 * name, or a throttled attempt) waits the configured delay before its answer. A throttled attempt
 * is not even checked. The answer never says which of name or password was wrong. Thread-safe.
 */
final class WebLogin {

    private static final Logger log = LoggerFactory.getLogger("postkontor.web");

    /** Blocks the calling (virtual) thread; a test passes one that does not wait. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(d);
    }

    enum Result { OK, FAILED, THROTTLED }

    /** @param who the web admin's name or the mailbox, when {@code result} is {@link Result#OK} */
    record Outcome(Result result, String who) {}

    private final WebUsers admins;
    private final Accounts mailUsers;
    private final LoginThrottle throttle;
    private final Duration delay;
    private final Sleeper sleeper;

    WebLogin(WebUsers admins, Accounts mailUsers, WebConfig config, Clock clock, Sleeper sleeper) {
        this.admins = Objects.requireNonNull(admins, "admins");
        this.mailUsers = Objects.requireNonNull(mailUsers, "mailUsers");
        this.throttle = new LoginThrottle(clock, config.failureWindow(), config.maxFailuresPerAddress(),
                config.maxFailuresPerUser());
        this.delay = config.failedLoginDelay();
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    /** A web admin's login. */
    Outcome admin(String clientIp, String name, char[] password) throws StoreException {
        return check(clientIp, "admin:" + name, password, () -> admins.authenticate(name, password)
                ? Optional.of(WebUsers.normalize(name)) : Optional.empty());
    }

    /** A mail user's self-service login: the full address and the POP3 password. */
    Outcome mailUser(String clientIp, String login, char[] password) throws StoreException {
        return check(clientIp, "user:" + login, password,
                () -> mailUsers.authenticate(login, password).map(MailAddress::toString));
    }

    @FunctionalInterface
    private interface Check {
        Optional<String> run() throws StoreException;
    }

    private Outcome check(String clientIp, String key, char[] password, Check check) throws StoreException {
        try {
            if (throttle.check(clientIp, key) != LoginThrottle.Verdict.ALLOWED) {
                log.warn("event=web_login result=throttled client={}", clientIp);
                pause();
                return new Outcome(Result.THROTTLED, null);
            }
            Optional<String> who = check.run();
            if (who.isPresent()) {
                throttle.succeeded(key);
                log.info("event=web_login result=success client={}", clientIp);
                return new Outcome(Result.OK, who.get());
            }
            throttle.failed(clientIp, key);
            log.warn("event=web_login result=failure client={}", clientIp);
            pause();
            return new Outcome(Result.FAILED, null);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private void pause() {
        try {
            sleeper.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
