package org.postkontor.smtp.internal.subetha;

import java.io.IOException;
import java.io.InputStream;
import org.postkontor.smtp.internal.AdaptedSocket;
import org.postkontor.smtp.internal.Connection;
import org.postkontor.smtp.internal.DotTerminatedData;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.io.ReceivedHeaderStream;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.internal.util.SMTPResponseHelper;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * DATA in place of SubEthaSMTP 7.2.2's, with its replies in its order (503 without MAIL or RCPT,
 * 354, then the handler's 250 or its {@link RejectException}'s reply), two things changed:
 * <ul>
 *   <li>the data is read in bulk by {@link DotTerminatedData} instead of one byte per call through
 *       the library's dot-terminating and dot-unstuffing streams (about 50 µs of CPU per 4 KiB
 *       message and 0.8 ms per 64 KiB went there; see BENCHMARKS.md);</li>
 *   <li>when the message was refused after the data (552, 554, 451, ...) the mail transaction is
 *       over too (RFC 5321 §4.1.1.4: the end-of-data reply completes it, success or not), so a
 *       client may send MAIL next without RSET.</li>
 * </ul>
 */
public final class DataCommandGuard implements Command {

    private static final HelpMessage HELP = new HelpMessage("DATA",
            "Following text is collected as the message.\nEnd data with <CR><LF>.<CR><LF>");

    @Override
    public void execute(String line, Session session) throws IOException, DropConnectionException {
        Connection conn = ((AdaptedSocket) session.getSocket()).connection();
        conn.dataReceived(false);
        if (!session.isMailTransactionInProgress()) {
            session.sendResponse("503 5.5.1 Error: need MAIL command");
            return;
        }
        if (session.getRecipientCount() == 0) {
            session.sendResponse("503 Error: need RCPT command");
            return;
        }
        session.sendResponse("354 End data with <CR><LF>.<CR><LF>");
        MessageData.read(session, () -> receive(session, conn));
    }

    private static void receive(Session session, Connection conn) throws IOException, DropConnectionException {
        DotTerminatedData data = new DotTerminatedData(session.getRawInput());
        InputStream message = data;
        SMTPServer server = session.getServer();
        if (!server.getDisableReceivedHeaders()) {
            // The library's own Received line (SmtpServer turns it off: TraceHeaders writes ours).
            message = new ReceivedHeaderStream(data, session.getHelo(), session.getRemoteAddress().getAddress(),
                    server.getHostName(), java.util.Optional.of(server.getSoftwareName()), session.getSessionId(),
                    session.getSingleRecipient());
        }
        String reply;
        try {
            reply = session.getMessageHandler().data(message);
            drain(data);
        } catch (DropConnectionException e) {
            throw e; // a RejectException too: the session sends its reply and closes
        } catch (RejectException e) {
            session.sendResponse(e.getErrorResponse());
            if (conn.dataReceived() && session.isMailTransactionInProgress()) {
                session.resetMailTransaction();
            }
            return;
        }
        session.sendResponse(reply == null ? "250 Ok" : SMTPResponseHelper.buildResponse("250", reply));
        session.resetMailTransaction();
    }

    /** The rest of the data, up to and with the terminator, when the handler stopped early. */
    private static void drain(DotTerminatedData data) throws IOException {
        byte[] skip = new byte[DotTerminatedData.BLOCK];
        while (data.read(skip, 0, skip.length) >= 0) {
            // thrown away
        }
    }

    @Override
    public HelpMessage getHelp() {
        return HELP;
    }

    @Override
    public String getName() {
        return "DATA";
    }
}
