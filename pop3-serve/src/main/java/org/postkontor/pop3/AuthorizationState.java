package org.postkontor.pop3;

import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.postkontor.pop3.SaslExchange.SaslStep;
import org.postkontor.pop3.SessionState.Authorization;
import org.postkontor.pop3.SessionState.Transaction;
import org.postkontor.store.LoginThrottle;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of the AUTHORIZATION state (RFC 1939 §4; RFC 2595 STLS, RFC 5034 AUTH): USER/PASS
 * and SASL logins, checked against the throttles, ending in TRANSACTION with the maildrop locked.
 * The state's data is {@link Authorization}; the session ({@link Pop3Session}) dispatches to here
 * and owns what outlives the state. Not thread-safe.
 */
final class AuthorizationState {

    private static final Logger LOG = LoggerFactory.getLogger("postkontor.pop3");

    private final Pop3Session session;
    private final SessionServices services;
    private final Connection connection;
    private final Pop3Config config;

    AuthorizationState(Pop3Session session, SessionServices services) {
        this.session = session;
        this.services = services;
        this.connection = session.connection();
        this.config = services.config();
    }

    /** A command valid in AUTHORIZATION; {@code args} is null when there are none. */
    Reply handle(Command command, String args, Authorization a) {
        return switch (command) {
            case CAPA -> session.capa();
            case QUIT -> quit(args);
            case USER -> user(args);
            case PASS -> pass(args, a);
            case APOP -> Reply.err("APOP is not supported; use SASL SCRAM-SHA-256 or TLS");
            case STLS -> stls(args);
            case AUTH -> auth(args);
            default -> session.bad("command not valid in this state");
        };
    }

    /** The client's response line to a SASL challenge. */
    Reply saslResponse(SaslExchange exchange, String line) {
        session.enter(Authorization.START);
        if (line.equals("*")) {
            return Reply.err("authentication cancelled");
        }
        byte[] response = decode(line);
        if (response == null) {
            return Reply.err("invalid base64; authentication cancelled");
        }
        try {
            return step(exchange, exchange.respond(response));
        } catch (StoreException e) {
            return storeTrouble(exchange.label(), e);
        }
    }

    private Reply plaintextRefused(String mech) {
        services.metrics().login(mech, "plaintext_refused");
        return Reply.err(ResponseCode.AUTH,
                "plaintext authentication is not allowed without TLS; use STLS or the TLS port");
    }

    private Reply quit(String args) {
        if (args != null) {
            return session.bad("syntax error: QUIT");
        }
        session.finish();
        return Reply.ok(config.implementation() + " POP3 server signing off");
    }

    private Reply user(String args) {
        if (args == null || args.isEmpty() || args.indexOf(' ') >= 0) {
            return session.bad("syntax error: " + Command.USER.usage());
        }
        if (!session.plaintextAllowed()) {
            return plaintextRefused("user");
        }
        session.enter(new Authorization(args, null));
        return Reply.ok("send PASS");
    }

    private Reply pass(String args, Authorization a) {
        if (a.user() == null) {
            return session.bad("USER first");
        }
        if (args == null || args.isEmpty() || args.indexOf('\r') >= 0 || args.indexOf('\n') >= 0
                || args.indexOf('\0') >= 0) {
            session.enter(Authorization.START);
            return session.bad("syntax error: " + Command.PASS.usage());
        }
        session.enter(Authorization.START);
        return passwordLogin("user", a.user(), args.toCharArray());
    }

    private Reply stls(String args) {
        if (args != null) {
            return session.bad("syntax error: STLS");
        }
        if (session.tls()) {
            return Reply.err("TLS is already active");
        }
        if (!connection.stlsAvailable()) {
            return Reply.err("STLS is not available");
        }
        session.startTls();
        session.enter(Authorization.START); // nothing from before TLS is trusted (RFC 2595 §4)
        return new Reply.StartTls("begin TLS negotiation");
    }

    private Reply auth(String args) {
        if (args == null) {
            return new Reply.Lines("SASL mechanisms follow", session.mechanisms());
        }
        String[] parts = args.split(" ", -1);
        if (parts.length > 2 || parts[0].isEmpty()) {
            return session.bad("syntax error: " + Command.AUTH.usage());
        }
        String mech = parts[0].toUpperCase(Locale.ROOT);
        SaslExchange exchange = switch (mech) {
            case "PLAIN" -> new PlainExchange();
            case "LOGIN" -> new LoginExchange();
            case "SCRAM-SHA-256" -> new ScramSha256Exchange(services.accounts(), services.random(),
                    services.scramFakeSecret());
            default -> null;
        };
        if (exchange == null) {
            return Reply.err("unsupported authentication mechanism");
        }
        if (!(exchange instanceof ScramSha256Exchange) && !session.plaintextAllowed()) {
            return plaintextRefused(exchange.label());
        }
        if (services.throttle().check(connection.clientAddress(), null) != LoginThrottle.Verdict.ALLOWED) {
            return throttled(exchange.label());
        }
        byte[] initial = null;
        if (parts.length == 2) {
            initial = parts[1].equals("=") ? new byte[0] : decode(parts[1]);
            if (initial == null) {
                return Reply.err("invalid base64 in initial response");
            }
        }
        try {
            return step(exchange, exchange.start(initial));
        } catch (StoreException e) {
            return storeTrouble(exchange.label(), e);
        }
    }

    private Reply step(SaslExchange exchange, SaslStep step) throws StoreException {
        return switch (step) {
            case SaslStep.Challenge c -> {
                session.enter(new Authorization(null, exchange));
                yield new Reply.Challenge(Base64.getEncoder().encodeToString(c.data()));
            }
            case SaslStep.Credentials c -> passwordLogin(exchange.label(), c.login(), c.password());
            case SaslStep.Verified v -> verifiedLogin(exchange.label(), v.login());
            case SaslStep.Failed f -> f.badCredentials()
                    ? failedLogin(exchange.label(), f.login())
                    : Reply.err("authentication failed: " + f.text());
        };
    }

    private Reply passwordLogin(String mech, String login, char[] password) {
        try {
            if (services.throttle().check(connection.clientAddress(), login) != LoginThrottle.Verdict.ALLOWED) {
                return throttled(mech);
            }
            Optional<MailAddress> who;
            try {
                who = services.accounts().authenticate(login, password);
            } catch (StoreException e) {
                return storeTrouble(mech, e);
            }
            if (who.isEmpty()) {
                return failedLogin(mech, login);
            }
            services.throttle().succeeded(login);
            return enterTransaction(mech, who.get());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Reply verifiedLogin(String mech, String login) throws StoreException {
        if (services.throttle().check(connection.clientAddress(), login) != LoginThrottle.Verdict.ALLOWED) {
            return throttled(mech);
        }
        Optional<MailAddress> who = services.accounts().mailboxOf(login);
        if (who.isEmpty()) {
            return failedLogin(mech, login);
        }
        services.throttle().succeeded(login);
        return enterTransaction(mech, who.get());
    }

    private Reply failedLogin(String mech, String login) {
        session.failedLogin();
        services.throttle().failed(connection.clientAddress(), login);
        services.metrics().login(mech, "bad_credentials");
        pause(config.failedLoginDelay());
        return Reply.err(ResponseCode.AUTH, "invalid user name or password");
    }

    private Reply throttled(String mech) {
        session.failedLogin();
        services.metrics().login(mech, "throttled");
        pause(config.failedLoginDelay());
        return Reply.err(ResponseCode.SYS_TEMP, "too many failed logins; try again later");
    }

    private Reply storeTrouble(String mech, StoreException e) {
        LOG.warn("session={} event=store_error during=login error={}", connection.sessionId(), e.toString());
        services.metrics().login(mech, "store_error");
        return Reply.err(ResponseCode.SYS_TEMP, "authentication is unavailable; try again later");
    }

    private Reply enterTransaction(String mech, MailAddress who) {
        if (services.loginDelay().enabled() && !services.loginDelay().tryLogin(who)) {
            services.metrics().login(mech, "login_delay");
            return Reply.err(ResponseCode.LOGIN_DELAY,
                    "logged in too recently; wait " + config.loginDelay().toSeconds() + " seconds between logins");
        }
        Maildrop maildrop;
        try {
            maildrop = services.maildrops().open(who);
        } catch (MailboxInUseException e) {
            services.metrics().lockConflict();
            services.metrics().login(mech, "in_use");
            return Reply.err(ResponseCode.IN_USE, "maildrop is locked by another session");
        } catch (NoSuchMailboxException e) {
            services.metrics().login(mech, "store_error");
            return Reply.err(ResponseCode.SYS_PERM, "no maildrop for this user");
        } catch (StoreException e) {
            LOG.warn("session={} event=store_error during=open error={}", connection.sessionId(), e.toString());
            services.metrics().login(mech, "store_error");
            return Reply.err(ResponseCode.SYS_TEMP, "maildrop is unavailable; try again later");
        }
        Transaction t = new Transaction(who, maildrop);
        session.enter(t);
        session.loggedIn(mech, who);
        services.metrics().login(mech, "success");
        return Reply.ok("maildrop locked and ready, " + t.liveCount() + " messages (" + t.liveOctets() + " octets)");
    }

    private void pause(Duration d) {
        try {
            services.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
