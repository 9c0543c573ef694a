package org.postkontor.pop3;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.postkontor.pop3.SessionState.Transaction;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of the TRANSACTION state (RFC 1939 §5; RFC 2449 UIDL, TOP): they answer from the
 * snapshot taken at login and stream bodies from the maildrop; DELE and RSET only mark. QUIT hands
 * over to {@link UpdateState}. The state's data is {@link Transaction}; the session
 * ({@link Pop3Session}) dispatches to here. Not thread-safe.
 */
final class TransactionState {

    private static final Logger LOG = LoggerFactory.getLogger("postkontor.pop3");

    private final Pop3Session session;
    private final SessionServices services;
    private final UpdateState update;

    TransactionState(Pop3Session session, SessionServices services) {
        this.session = session;
        this.services = services;
        this.update = new UpdateState(session, services);
    }

    /** A command valid in TRANSACTION; {@code args} is null when there are none. */
    Reply handle(Command command, String args, Transaction t) {
        return switch (command) {
            case CAPA -> session.capa();
            case QUIT -> args == null ? update.quit(t) : session.bad("syntax error: QUIT");
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
            default -> session.bad("command not valid in this state");
        };
    }

    /** See {@link Pop3Session#answersAtOnce(String)}. */
    boolean answersAtOnce(Command command, Transaction t) {
        return switch (command) {
            case STAT, NOOP, RSET, LIST, UIDL, DELE, CAPA -> true;
            case RETR, TOP -> t.maildrop().readsWithoutWaiting();
            default -> false;
        };
    }

    private Reply noArgs(String args, Command command, Supplier<Reply> body) {
        return args == null ? body.get() : session.bad("syntax error: " + command.usage());
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
            return session.bad("syntax error: " + (uidl ? Command.UIDL : Command.LIST).usage());
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
            return session.bad("syntax error: " + Command.RETR.usage());
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
        session.retrieved(e.octets());
        services.metrics().retrieved(e.octets());
        return new Reply.Body(e.octets() + " octets", in, -1);
    }

    private Reply top(String args, Transaction t) {
        String[] parts = args == null ? new String[0] : args.split(" ", -1);
        int n = parts.length == 2 ? number(parts[0]) : -1;
        long lines = parts.length == 2 ? count(parts[1]) : -1;
        if (n < 0 || lines < 0) {
            return session.bad("syntax error: " + Command.TOP.usage());
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
            LOG.warn("session={} event=store_error during=read error={}", session.connection().sessionId(), ex.toString());
            return null;
        }
    }

    private Reply dele(String args, Transaction t) {
        int n = args == null ? -1 : number(args);
        if (n < 0) {
            return session.bad("syntax error: " + Command.DELE.usage());
        }
        Reply missing = missing(t, n);
        if (missing != null) {
            return missing;
        }
        t.markDeleted(n);
        return Reply.ok("message " + n + " deleted");
    }

    private static Reply missing(Transaction t, int n) {
        if (t.entry(n) == null) {
            return Reply.err("no such message");
        }
        if (t.isDeleted(n)) {
            return Reply.err("message " + n + " already deleted");
        }
        return null;
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
}
