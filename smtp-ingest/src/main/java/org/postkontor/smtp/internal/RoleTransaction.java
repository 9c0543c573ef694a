package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import org.postkontor.smtp.Listener;
import org.postkontor.smtp.MailRole;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.MessageHandlerFactory;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.Session;

/**
 * A mail transaction of a {@link Listener}: the SMTP side (TLS and authentication required before
 * MAIL, the recipient limit, reading and checking the data) here, every decision in the listener's
 * {@link MailRole.Transaction}.
 */
public final class RoleTransaction implements MessageHandler {

    static final Reply AUTH_REQUIRED = new Reply(530, "5.7.0", "Authentication required", Reason.BAD_SEQUENCE);
    static final Reply TLS_REQUIRED = new Reply(530, "5.7.0", "Must issue a STARTTLS command first", Reason.BAD_SEQUENCE);

    private final Session session;
    private final Connection conn;
    private final SmtpConfig config;
    private final SmtpMetrics metrics;
    private final MailRole.Transaction role;
    private int recipients;
    private final TransactionOutcome ending;

    private RoleTransaction(Session session, SmtpConfig config, SmtpMetrics metrics, MailRole role) {
        this.session = session;
        this.conn = ((AdaptedSocket) session.getSocket()).connection();
        this.config = config;
        this.metrics = metrics;
        this.ending = new TransactionOutcome(metrics);
        int number = conn.nextTransaction();
        conn.inTransaction(true);
        Optional<String> login = session.getAuthenticationHandler()
                .map(h -> h.getIdentity() == null ? null : h.getIdentity().toString());
        this.role = role.begin(new MailRole.Session(session.getSessionId(), number, conn.client(),
                session.getHelo().orElse(""), login, conn.tlsProtocol(), conn.tlsCipher(), conn.started()));
    }

    /** SubEthaSMTP's factory for a listener's transactions. */
    public static MessageHandlerFactory factory(SmtpConfig config, SmtpMetrics metrics, MailRole role) {
        return (MessageContext context) -> new RoleTransaction((Session) context, config, metrics, role);
    }

    @Override
    public void from(String from) throws RejectException {
        if (!session.isTLSStarted()) {
            throw ending.end(TLS_REQUIRED);
        }
        if (!session.isAuthenticated()) {
            throw ending.end(AUTH_REQUIRED);
        }
        try {
            role.from(from);
        } catch (MailRole.Refusal r) {
            throw ending.end(reply(r));
        }
        conn.okHint("2.1.0");
    }

    @Override
    public void recipient(String recipient) throws RejectException {
        if (recipients >= config.maxRecipients()) {
            throw ending.refuse(Reply.TOO_MANY_RECIPIENTS);
        }
        try {
            role.recipient(recipient);
        } catch (MailRole.Refusal r) {
            throw ending.refuse(reply(r));
        }
        recipients++;
        metrics.recipientAccepted();
        conn.okHint("2.1.5");
    }

    @Override
    public String data(InputStream data) throws RejectException, IOException {
        conn.dataReceived(true);
        try (ReceivedData received = ReceivedData.read(session, conn, config, data)) {
            Reply problem = received.problem();
            if (problem != null) {
                throw ending.end(problem);
            }
            String reply;
            try {
                reply = role.accept(new MailRole.Message() {
                    @Override
                    public long size() {
                        return received.size();
                    }

                    @Override
                    public InputStream open() throws IOException {
                        return received.open();
                    }
                });
            } catch (MailRole.Refusal r) {
                throw ending.end(reply(r));
            }
            ending.accepted();
            metrics.bytesReceived(received.size());
            metrics.acceptLatency(Duration.ofNanos(System.nanoTime() - received.endOfData()));
            return reply;
        } catch (ReceivedData.Cut cut) {
            throw ending.drop(cut.reply());
        }
    }

    private static Reply reply(MailRole.Refusal r) {
        return new Reply(r.code(), r.enhanced(), r.text(), r.reason());
    }

    @Override
    public void done() {
        conn.inTransaction(false);
        role.done(ending.result());
    }
}
