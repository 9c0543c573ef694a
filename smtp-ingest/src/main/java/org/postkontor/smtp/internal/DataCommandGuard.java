package org.postkontor.smtp.internal;

import java.io.IOException;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.command.DataCommand;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.server.Session;

/**
 * SubEthaSMTP 7.2.2's DATA, followed by what it leaves out: when the message was refused after
 * the data (552, 554, 451, ...) the mail transaction is over (RFC 5321 §4.1.1.4: the end-of-data
 * reply completes it, success or not), so a client may send MAIL next without RSET.
 */
public final class DataCommandGuard implements Command {

    private final DataCommand delegate = new DataCommand();

    @Override
    public void execute(String line, Session session) throws IOException, DropConnectionException {
        Connection conn = ((AdaptedSocket) session.getSocket()).connection();
        conn.dataReceived(false);
        delegate.execute(line, session);
        if (conn.dataReceived() && session.isMailTransactionInProgress()) {
            session.resetMailTransaction();
        }
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
