package org.postkontor.smtp.internal.subetha;

import java.io.IOException;
import java.util.Locale;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.smtp.internal.AdaptedSocket;
import org.postkontor.smtp.internal.Connection;
import org.postkontor.smtp.internal.Reply;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.command.MailCommand;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * MAIL, wrapped to check its parameters (RFC 5321 §4.1.1.2, RFC 1870, RFC 6152, RFC 6531) before
 * the library's own MailCommand runs. 7.2.2 parses {@code SIZE=} with {@code Integer.parseInt} (a
 * value past 2^31 kills the session with 421), looks at SIZE only when it is the last parameter
 * and ignores unknown parameters. Here: SIZE over the limit → 552 5.3.4, a malformed value → 501
 * 5.5.4, BODY other than 7BIT/8BITMIME → 555 5.5.4, an unknown parameter → 555 5.5.4; AUTH= is
 * ignored (RFC 4954 §5). The library then sees only {@code MAIL FROM:<address>}.
 * {@code AdapterContractTest} fails when the library's MAIL changes.
 */
public final class MailCommandGuard implements Command {

    private final MailCommand delegate;
    private final long maxMessageSize;

    private MailCommandGuard(MailCommand delegate, long maxMessageSize) {
        this.delegate = delegate;
        this.maxMessageSize = maxMessageSize;
    }

    /** Replaces MAIL in the server's command table. */
    public static void install(SMTPServer server, java.util.function.Predicate<String> senderValidator,
                               long maxMessageSize) {
        server.getCommandHandler().addCommand(new MailCommandGuard(new MailCommand(senderValidator), maxMessageSize));
    }

    @Override
    public void execute(String line, Session session) throws IOException, DropConnectionException {
        Connection conn = ((AdaptedSocket) session.getSocket()).connection();
        String args = line.length() > 4 ? line.substring(4).strip() : "";
        if (session.isMailTransactionInProgress() || !args.toUpperCase(Locale.ROOT).startsWith("FROM:")) {
            delegate.execute(line, session); // the library's 503 / 501
            return;
        }
        String rest = args.substring(5).strip();
        String path;
        String params;
        if (rest.startsWith("<")) {
            int close = rest.indexOf('>');
            if (close < 0) {
                reply(session, conn, "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]", Reason.SYNTAX);
                return;
            }
            path = rest.substring(0, close + 1);
            params = rest.substring(close + 1).strip();
        } else {
            int sp = rest.indexOf(' ');
            path = sp < 0 ? rest : rest.substring(0, sp);
            params = sp < 0 ? "" : rest.substring(sp + 1).strip();
        }
        long size = 0;
        if (!params.isEmpty()) {
            for (String p : params.split(" +")) {
                int eq = p.indexOf('=');
                String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
                String value = eq < 0 ? null : p.substring(eq + 1);
                switch (key) {
                    case "SIZE" -> {
                        if (value == null || !value.matches("[0-9]{1,20}")) {
                            reply(session, conn, "501 5.5.4 Syntax error in SIZE parameter", Reason.SYNTAX);
                            return;
                        }
                        if (value.length() > 18 || Long.parseLong(value) > maxMessageSize) {
                            reply(session, conn, Reply.TOO_BIG.line(), Reason.MESSAGE_TOO_BIG);
                            return;
                        }
                        size = Long.parseLong(value);
                    }
                    case "BODY" -> {
                        String v = value == null ? "" : value.toUpperCase(Locale.ROOT);
                        if (!v.equals("7BIT") && !v.equals("8BITMIME")) {
                            reply(session, conn, "555 5.5.4 Unsupported BODY type", Reason.SYNTAX);
                            return;
                        }
                    }
                    case "SMTPUTF8" -> {
                        if (value != null) {
                            reply(session, conn, "501 5.5.4 SMTPUTF8 takes no value", Reason.SYNTAX);
                            return;
                        }
                    }
                    case "AUTH" -> {
                        // RFC 4954 §5: may be ignored when the client did not authenticate.
                    }
                    default -> {
                        reply(session, conn, "555 5.5.4 Unsupported MAIL parameter", Reason.SYNTAX);
                        return;
                    }
                }
            }
        }
        delegate.execute("MAIL FROM:" + path, session);
        if (session.isMailTransactionInProgress()) {
            session.setDeclaredMessageSize((int) size);
        }
    }

    private static void reply(Session session, Connection conn, String line, Reason reason) throws IOException {
        conn.metrics().rejection(reason);
        session.sendResponse(line);
    }

    @Override
    public HelpMessage getHelp() {
        return delegate.getHelp();
    }

    @Override
    public String getName() {
        return delegate.getName();
    }
}
