package org.postkontor.pop3;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.pop3.SessionState.Authorization;
import org.postkontor.pop3.SessionState.Transaction;
import org.postkontor.pop3.SessionState.Update;
import org.postkontor.store.MailAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POP3 session: the RFC 1939 state machine. Takes one line at a time and returns the reply;
 * never touches a socket. Calls may block (password hashing, store, failed-login delay), so the
 * transport calls it off its event loop, one call at a time.
 *
 * <p>This class checks each line once (length, keyword, control characters, validity in the
 * current state) and dispatches it to the commands of that state: {@link AuthorizationState},
 * {@link TransactionState} and, at QUIT, {@link UpdateState}. It keeps what outlives a state: TLS,
 * the bad-command count, the end of the session and its log line.
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
    private final AuthorizationState authorization;
    private final TransactionState transaction;

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

    public Pop3Session(Connection connection, SessionServices services) {
        this.connection = connection;
        this.services = services;
        this.config = services.config();
        this.tls = connection.implicitTls();
        this.started = services.clock().instant();
        this.authorization = new AuthorizationState(this, services);
        this.transaction = new TransactionState(this, services);
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
            return authorization.saslResponse(a.exchange(), line);
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
            case Authorization a -> authorization.handle(command, args, a);
            case Transaction t -> transaction.handle(command, args, t);
            case Update u -> Reply.err("session is over");
        };
    }

    /**
     * True when {@link #handle(String)} would answer {@code line} without waiting on anything: a
     * TRANSACTION command answered from the snapshot (STAT, LIST, UIDL, DELE, RSET, NOOP, CAPA),
     * or RETR / TOP of a body that the maildrop reads from a local file
     * ({@link org.postkontor.store.Maildrop#readsWithoutWaiting()}). Such a line may be handled on
     * the transport's event loop; any other (a login, QUIT's removals, a body from another server)
     * must not. Changes nothing.
     */
    public boolean answersAtOnce(String line) {
        if (finished || !(state instanceof Transaction t)) {
            return false;
        }
        int sp = line.indexOf(' ');
        Command command = Command.lookup(sp < 0 ? line : line.substring(0, sp));
        return command != null && transaction.answersAtOnce(command, t);
    }

    // ---- for the states' commands ---------------------------------------------------------------

    void enter(SessionState next) {
        state = next;
    }

    boolean tls() {
        return tls;
    }

    /** STLS accepted: the connection counts as TLS from the next line on. */
    void startTls() {
        tls = true;
    }

    /** QUIT: the connection closes after this reply. */
    void finish() {
        finished = true;
    }

    void loggedIn(String mech, MailAddress who) {
        mechanism = mech;
        user = who;
    }

    void failedLogin() {
        failedLogins++;
    }

    void retrieved(long octets) {
        retrievedMessages++;
        retrievedOctets += octets;
    }

    /** CAPA (RFC 2449), valid in AUTHORIZATION and TRANSACTION. */
    Reply capa() {
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

    List<String> mechanisms() {
        return plaintextAllowed() ? List.of("PLAIN", "LOGIN", "SCRAM-SHA-256") : List.of("SCRAM-SHA-256");
    }

    boolean plaintextAllowed() {
        return tls || config.allowPlaintextAuth() || (connection.loopback() && config.allowPlaintextAuthOnLoopback());
    }

    /** A bad command: {@code -ERR text}, or the end of the session after too many. */
    Reply bad(String text) {
        badCommands++;
        if (badCommands >= config.maxBadCommands()) {
            finished = true;
            finishReason = "too_many_errors";
            return Reply.err("too many bad commands; closing connection");
        }
        return Reply.err(text);
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
        int deleted = 0;
        if (state instanceof Update u) {
            deleted = u.removed();
            if (u.failed()) {
                reason = "quit_error";
            }
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
