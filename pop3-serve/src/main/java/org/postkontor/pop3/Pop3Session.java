package org.postkontor.pop3;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.postkontor.pop3.SaslExchange.SaslStep;
import org.postkontor.pop3.SessionState.Authorization;
import org.postkontor.pop3.SessionState.Transaction;
import org.postkontor.pop3.SessionState.Update;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POP3 session: the RFC 1939 state machine. Takes one line at a time and returns the reply;
 * never touches a socket. Calls may block (password hashing, store, failed-login delay), so the
 * transport calls it off its event loop, one call at a time.
 *
 * <p>Lifecycle: {@link #greeting()}, then {@link #handle(String)} per line until {@link #finished()},
 * then {@link #end(String)} exactly when the connection is gone (also after a lost connection, an
 * idle timeout or a shutdown: it closes the maildrop without deleting anything, and writes the
 * session's one log line). Not thread-safe.
 */
public final class Pop3Session {

    private static final Logger LOG = LoggerFactory.getLogger("postkontor.pop3");

    private final Connection connection;
    private final SessionServices services;
    private final Pop3Config config;
    private final Instant started;

    private SessionState state = Authorization.START;
    private boolean tls;
    private volatile String tlsProtocol;
    private boolean finished;
    private String finishReason = "quit";
    private boolean ended;
    private int badCommands;
    private int failedLogins;
    private String mechanism;
    private MailAddress user;
    private long retrievedMessages;
    private long retrievedOctets;
    private int deleted;

    public Pop3Session(Connection connection, SessionServices services) {
        this.connection = connection;
        this.services = services;
        this.config = services.config();
        this.tls = connection.implicitTls();
        this.started = services.clock().instant();
    }

    public SessionState state() {
        return state;
    }

    /** True once the connection should be closed after the last reply (QUIT, too many errors). */
    public boolean finished() {
        return finished;
    }

    /** Why {@link #finished()} became true: {@code quit} or {@code too_many_errors}. */
    public String finishReason() {
        return finishReason;
    }

    /**
     * The transport could not frame a line: {@code tooLong} (over the RFC 2449 / RFC 5034 limit)
     * or a line ended by a bare LF (CRLF is required, RFC 1939 §3). A SASL exchange in progress is
     * cancelled.
     */
    public Reply malformedLine(boolean tooLong) {
        if (finished || state instanceof Update) {
            return Reply.err("session is over");
        }
        state = state instanceof Authorization ? Authorization.START : state;
        return bad(tooLong ? "line too long" : "lines must end with CRLF");
    }

    /** True while a SASL exchange waits for the client's next response line. */
    public boolean awaitingSaslResponse() {
        return state instanceof Authorization a && a.exchange() != null;
    }

    public Connection connection() {
        return connection;
    }

    /** The transport reports the negotiated TLS protocol (for the log line). */
    public void tlsEstablished(String protocol) {
        tlsProtocol = protocol;
    }

    public Reply greeting() {
        return Reply.ok(config.implementation() + " POP3 server ready");
    }

    /** Handles one line (without its CRLF). */
    public Reply handle(String line) {
        if (finished || state instanceof Update) {
            return Reply.err("session is over");
        }
        if (state instanceof Authorization a && a.exchange() != null) {
            return saslResponse(a.exchange(), line);
        }
        if (line.getBytes(StandardCharsets.UTF_8).length > config.maxCommandLine() - 2) {
            return bad("command line too long (RFC 2449: 255 octets)");
        }
        int sp = line.indexOf(' ');
        String keyword = sp < 0 ? line : line.substring(0, sp);
        String args = sp < 0 ? null : line.substring(sp + 1);
        Command command = Command.lookup(keyword);
        if (command == null) {
            return bad("unknown command");
        }
        if (command != Command.PASS && hasControl(line)) {
            return bad("syntax error: " + command.usage());
        }
        if (!command.validIn(state)) {
            return bad("command not valid in this state");
        }
        return switch (state) {
            case Authorization a -> authorization(command, args, a);
            case Transaction t -> transaction(command, args, t);
            case Update u -> Reply.err("session is over");
        };
    }

    // ---- AUTHORIZATION ------------------------------------------------------------------------

    private Reply authorization(Command command, String args, Authorization a) {
        return switch (command) {
            case CAPA -> capa();
            case QUIT -> quitAuthorization(args);
            case USER -> user(args);
            case PASS -> pass(args, a);
            case APOP -> Reply.err("APOP is not supported; use SASL SCRAM-SHA-256 or TLS");
            case STLS -> stls(args);
            case AUTH -> auth(args);
            default -> bad("command not valid in this state");
        };
    }

    private Reply capa() {
        List<String> caps = new ArrayList<>();
        caps.add("TOP");
        caps.add("UIDL");
        if (state instanceof Authorization && plaintextAllowed()) {
            caps.add("USER");
        }
        if (state instanceof Authorization) {
            caps.add("SASL " + String.join(" ", mechanisms()));
        }
        if (state instanceof Authorization && connection.stlsAvailable() && !tls) {
            caps.add("STLS");
        }
        caps.add("RESP-CODES");
        caps.add("AUTH-RESP-CODE");
        caps.add("PIPELINING");
        if (services.loginDelay().enabled()) {
            caps.add("LOGIN-DELAY " + config.loginDelay().toSeconds());
        }
        caps.add("EXPIRE " + config.expireCapability());
        caps.add("IMPLEMENTATION " + config.implementation());
        return new Reply.Lines("Capability list follows", caps);
    }

    private List<String> mechanisms() {
        return plaintextAllowed() ? List.of("PLAIN", "LOGIN", "SCRAM-SHA-256") : List.of("SCRAM-SHA-256");
    }

    private boolean plaintextAllowed() {
        return tls || config.allowPlaintextAuth() || (connection.loopback() && config.allowPlaintextAuthOnLoopback());
    }

    private Reply plaintextRefused(String mech) {
        services.metrics().login(mech, "plaintext_refused");
        return Reply.err(ResponseCode.AUTH,
                "plaintext authentication is not allowed without TLS; use STLS or the TLS port");
    }

    private Reply quitAuthorization(String args) {
        if (args != null) {
            return bad("syntax error: QUIT");
        }
        finished = true;
        return Reply.ok(config.implementation() + " POP3 server signing off");
    }

    private Reply user(String args) {
        if (args == null || args.isEmpty() || args.indexOf(' ') >= 0) {
            return bad("syntax error: " + Command.USER.usage());
        }
        if (!plaintextAllowed()) {
            return plaintextRefused("user");
        }
        state = new Authorization(args, null);
        return Reply.ok("send PASS");
    }

    private Reply pass(String args, Authorization a) {
        if (a.user() == null) {
            return bad("USER first");
        }
        if (args == null || args.isEmpty() || args.indexOf('\r') >= 0 || args.indexOf('\n') >= 0
                || args.indexOf('\0') >= 0) {
            state = Authorization.START;
            return bad("syntax error: " + Command.PASS.usage());
        }
        state = Authorization.START;
        return passwordLogin("user", a.user(), args.toCharArray());
    }

    private Reply stls(String args) {
        if (args != null) {
            return bad("syntax error: STLS");
        }
        if (tls) {
            return Reply.err("TLS is already active");
        }
        if (!connection.stlsAvailable()) {
            return Reply.err("STLS is not available");
        }
        tls = true;
        state = Authorization.START; // nothing from before TLS is trusted (RFC 2595 §4)
        return new Reply.StartTls("begin TLS negotiation");
    }

    private Reply auth(String args) {
        if (args == null) {
            return new Reply.Lines("SASL mechanisms follow", mechanisms());
        }
        String[] parts = args.split(" ", -1);
        if (parts.length > 2 || parts[0].isEmpty()) {
            return bad("syntax error: " + Command.AUTH.usage());
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
        if (!(exchange instanceof ScramSha256Exchange) && !plaintextAllowed()) {
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

    private Reply saslResponse(SaslExchange exchange, String line) {
        state = Authorization.START;
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

    private Reply step(SaslExchange exchange, SaslStep step) throws StoreException {
        return switch (step) {
            case SaslStep.Challenge c -> {
                state = new Authorization(null, exchange);
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
        failedLogins++;
        services.throttle().failed(connection.clientAddress(), login);
        services.metrics().login(mech, "bad_credentials");
        pause(config.failedLoginDelay());
        return Reply.err(ResponseCode.AUTH, "invalid user name or password");
    }

    private Reply throttled(String mech) {
        failedLogins++;
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
        state = t;
        user = who;
        mechanism = mech;
        services.metrics().login(mech, "success");
        return Reply.ok("maildrop locked and ready, " + t.liveCount() + " messages (" + t.liveOctets() + " octets)");
    }

    // ---- TRANSACTION --------------------------------------------------------------------------

    private Reply transaction(Command command, String args, Transaction t) {
        return switch (command) {
            case CAPA -> capa();
            case QUIT -> quitTransaction(args, t);
            case STAT -> noArgs(args, command, () -> Reply.ok(t.liveCount() + " " + t.liveOctets()));
            case NOOP -> noArgs(args, command, () -> Reply.ok(""));
            case RSET -> noArgs(args, command, () -> {
                t.undeleteAll();
                return Reply.ok("maildrop has " + t.liveCount() + " messages (" + t.liveOctets() + " octets)");
            });
            case LIST -> list(args, t, false);
            case UIDL -> list(args, t, true);
            case RETR -> retr(args, t);
            case TOP -> top(args, t);
            case DELE -> dele(args, t);
            default -> bad("command not valid in this state");
        };
    }

    private Reply noArgs(String args, Command command, java.util.function.Supplier<Reply> body) {
        return args == null ? body.get() : bad("syntax error: " + command.usage());
    }

    private Reply list(String args, Transaction t, boolean uidl) {
        if (args == null) {
            List<String> lines = new ArrayList<>(t.liveCount());
            for (int n = 1; n <= t.size(); n++) {
                if (!t.isDeleted(n)) {
                    MaildropEntry e = t.entry(n);
                    lines.add(n + " " + (uidl ? e.uidl() : Long.toString(e.octets())));
                }
            }
            return new Reply.Lines(uidl ? "unique-id listing follows"
                    : t.liveCount() + " messages (" + t.liveOctets() + " octets)", lines);
        }
        int n = number(args);
        if (n < 0) {
            return bad("syntax error: " + (uidl ? Command.UIDL : Command.LIST).usage());
        }
        Reply missing = missing(t, n);
        if (missing != null) {
            return missing;
        }
        MaildropEntry e = t.entry(n);
        return Reply.ok(n + " " + (uidl ? e.uidl() : Long.toString(e.octets())));
    }

    private Reply retr(String args, Transaction t) {
        int n = args == null ? -1 : number(args);
        if (n < 0) {
            return bad("syntax error: " + Command.RETR.usage());
        }
        Reply missing = missing(t, n);
        if (missing != null) {
            return missing;
        }
        MaildropEntry e = t.entry(n);
        InputStream in = open(t, e);
        if (in == null) {
            return Reply.err(ResponseCode.SYS_TEMP, "cannot read message " + n + "; try again later");
        }
        t.markRetrieved(n);
        retrievedMessages++;
        retrievedOctets += e.octets();
        services.metrics().retrieved(e.octets());
        return new Reply.Body(e.octets() + " octets", in, -1);
    }

    private Reply top(String args, Transaction t) {
        String[] parts = args == null ? new String[0] : args.split(" ", -1);
        int n = parts.length == 2 ? number(parts[0]) : -1;
        long lines = parts.length == 2 ? count(parts[1]) : -1;
        if (n < 0 || lines < 0) {
            return bad("syntax error: " + Command.TOP.usage());
        }
        Reply missing = missing(t, n);
        if (missing != null) {
            return missing;
        }
        InputStream in = open(t, t.entry(n));
        if (in == null) {
            return Reply.err(ResponseCode.SYS_TEMP, "cannot read message " + n + "; try again later");
        }
        services.metrics().top();
        return new Reply.Body("top of message follows", in, lines);
    }

    private InputStream open(Transaction t, MaildropEntry e) {
        try {
            return t.maildrop().open(e);
        } catch (StoreException ex) {
            LOG.warn("session={} event=store_error during=read error={}", connection.sessionId(), ex.toString());
            return null;
        }
    }

    private Reply dele(String args, Transaction t) {
        int n = args == null ? -1 : number(args);
        if (n < 0) {
            return bad("syntax error: " + Command.DELE.usage());
        }
        Reply missing = missing(t, n);
        if (missing != null) {
            return missing;
        }
        t.markDeleted(n);
        return Reply.ok("message " + n + " deleted");
    }

    private Reply missing(Transaction t, int n) {
        if (t.entry(n) == null) {
            return Reply.err("no such message");
        }
        if (t.isDeleted(n)) {
            return Reply.err("message " + n + " already deleted");
        }
        return null;
    }

    private Reply quitTransaction(String args, Transaction t) {
        if (args != null) {
            return bad("syntax error: QUIT");
        }
        Set<MaildropEntry> remove = new HashSet<>();
        Instant expireBefore = config.expireDays() < 0 ? null
                : services.clock().instant().minus(Duration.ofDays(config.expireDays()));
        for (int n = 1; n <= t.size(); n++) {
            MaildropEntry e = t.entry(n);
            boolean expired = expireBefore != null && t.wasRetrieved(n) && !e.arrived().isAfter(expireBefore);
            if (t.isDeleted(n) || expired) {
                remove.add(e);
            }
        }
        finished = true;
        boolean failed = false;
        try {
            if (!remove.isEmpty()) {
                t.maildrop().expunge(remove);
                deleted = remove.size();
                services.metrics().deleted(remove.size());
            }
        } catch (StoreException e) {
            failed = true;
            LOG.warn("session={} event=store_error during=expunge error={}", connection.sessionId(), e.toString());
        } finally {
            t.maildrop().close();
        }
        state = new Update(deleted, failed);
        if (failed) {
            return Reply.err(ResponseCode.SYS_TEMP, "deleted messages were not removed; they are still in the maildrop");
        }
        return Reply.ok(config.implementation() + " POP3 server signing off (" + (t.size() - deleted)
                + " messages left)");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private Reply bad(String text) {
        badCommands++;
        if (badCommands >= config.maxBadCommands()) {
            finished = true;
            finishReason = "too_many_errors";
            return Reply.err("too many bad commands; closing connection");
        }
        return Reply.err(text);
    }

    private void pause(Duration d) {
        try {
            services.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A message number: 1 to 9 digits, no sign, no leading zero; -1 if malformed. */
    static int number(String s) {
        if (s.isEmpty() || s.length() > 9 || s.charAt(0) == '0') {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(s);
    }

    /** A non-negative count (TOP lines): 1 to 18 digits; -1 if malformed. */
    static long count(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Ends the session once: closes the maildrop if one is open (deleting nothing) and writes the
     * session's log line. {@code how} is a short word: quit, client_closed, idle_timeout, shutdown,
     * too_many_errors, tls_failed, error.
     */
    public void end(String how) {
        if (ended) {
            return;
        }
        ended = true;
        if (state instanceof Transaction t) {
            t.maildrop().close();
        }
        String reason = how;
        if (state instanceof Update u && u.failed()) {
            reason = "quit_error";
        }
        long ms = Duration.between(started, services.clock().instant()).toMillis();
        String tlsText = tlsProtocol != null ? tlsProtocol : (tls ? "yes" : "no");
        LOG.info("session={} client={} user={} mech={} tls={} retrieved={} octets={} deleted={} failed_logins={} end={} duration_ms={}",
                connection.sessionId(), connection.clientAddress(), user == null ? "-" : user,
                mechanism == null ? "-" : mechanism, tlsText, retrievedMessages, retrievedOctets, deleted,
                failedLogins, reason, ms);
        services.metrics().sessionClosed(reason);
    }
}
