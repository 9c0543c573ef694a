package org.postkontor.smtp.internal.subetha;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.smtp.internal.AdaptedSocket;
import org.postkontor.smtp.internal.Connection;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.server.Session;

/**
 * BDAT (RFC 3030) in place of SubEthaSMTP 7.2.2's, whose chunk stream reports a client that
 * disconnects inside a chunk as a normal end of data (the truncated message would be stored) and
 * throws a NullPointerException when the connection ends between chunks. Here the chunks are read
 * exactly; an early end of stream is an {@link EOFException}, so nothing is stored. The message
 * handler and the reply sequence are the library's: 250 per intermediate chunk, the handler's reply
 * after the LAST one.
 */
public final class BdatCommandGuard implements Command {

    /** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; BDAT's is far shorter. */
    private static final int MAX_BDAT_LINE = 512;

    @Override
    public void execute(String line, Session session) throws IOException, DropConnectionException {
        Connection conn = ((AdaptedSocket) session.getSocket()).connection();
        if (!session.isMailTransactionInProgress()) {
            bad(session, conn, "503 5.5.1 Error: need MAIL command", Reason.BAD_SEQUENCE);
            return;
        }
        if (session.getRecipientCount() == 0) {
            bad(session, conn, "503 5.5.1 Error: need RCPT command", Reason.BAD_SEQUENCE);
            return;
        }
        Chunk first = Chunk.parse(line);
        if (first == null) {
            bad(session, conn, "501 5.5.4 Syntax: BDAT <size> [LAST]", Reason.SYNTAX);
            return;
        }
        MessageData.read(session, () -> receive(session, first));
    }

    private static void receive(Session session, Chunk first) throws IOException, DropConnectionException {
        Chunks chunks = new Chunks(session, first);
        String reply;
        try {
            reply = session.getMessageHandler().data(chunks);
            chunks.drain();
        } catch (DropConnectionException e) {
            throw e;
        } catch (RejectException e) {
            session.sendResponse(e.getErrorResponse());
            session.resetMailTransaction();
            return;
        }
        session.sendResponse(reply == null ? "250 Ok" : "250 " + reply);
        session.resetMailTransaction();
    }

    private static void bad(Session session, Connection conn, String line, Reason reason) throws IOException {
        conn.metrics().rejection(reason);
        session.sendResponse(line);
    }

    @Override
    public HelpMessage getHelp() {
        return new HelpMessage("BDAT", "Sends a chunk of the message (RFC 3030).", "<size> [LAST]");
    }

    @Override
    public String getName() {
        return "BDAT";
    }

    private record Chunk(long size, boolean last) {
        static Chunk parse(String line) {
            String[] a = line.strip().split(" +");
            if (a.length < 2 || a.length > 3 || !a[0].equalsIgnoreCase("BDAT") || !a[1].matches("[0-9]{1,18}")) {
                return null;
            }
            boolean last = a.length == 3;
            if (last && !a[2].toUpperCase(Locale.ROOT).equals("LAST")) {
                return null;
            }
            return new Chunk(Long.parseLong(a[1]), last);
        }
    }

    /** The chunks of one message as one stream; reads the next BDAT line itself. */
    private static final class Chunks extends InputStream {
        private final Session session;
        private final InputStream in;
        private long remaining;
        private long size;
        private boolean last;

        Chunks(Session session, Chunk first) {
            this.session = session;
            this.in = session.getRawInput();
            this.remaining = first.size();
            this.size = first.size();
            this.last = first.last();
        }

        private boolean next() throws IOException {
            while (remaining == 0) {
                if (last) {
                    return false;
                }
                session.sendResponse("250 2.0.0 Message OK, " + size + " bytes received");
                String line = readLine();
                Chunk c = Chunk.parse(line);
                if (c == null) {
                    session.sendResponse("503 5.5.1 Error: expected BDAT");
                    throw new IOException("expected a BDAT command between chunks");
                }
                remaining = c.size();
                size = c.size();
                last = c.last();
            }
            return true;
        }

        private String readLine() throws IOException {
            StringBuilder b = new StringBuilder(32);
            int prev = -1;
            while (b.length() <= MAX_BDAT_LINE) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("connection closed between BDAT chunks");
                }
                if (c == '\n' && prev == '\r') {
                    b.setLength(b.length() - 1);
                    return b.toString();
                }
                b.append((char) c);
                prev = c;
            }
            throw new IOException("BDAT line too long");
        }

        @Override
        public int read() throws IOException {
            if (!next()) {
                return -1;
            }
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed inside a BDAT chunk");
            }
            remaining--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("connection closed inside a BDAT chunk");
            }
            remaining -= n;
            return n;
        }

        void drain() throws IOException {
            byte[] skip = new byte[8192];
            while (read(skip, 0, skip.length) >= 0) {
                // a handler that stopped early: the chunks must still be consumed
            }
        }
    }
}
