package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.postkontor.smtp.SmtpMetrics.Reason;

/**
 * The input half of the library adapter ({@link ReplyWriter} is the output half): every byte
 * SubEthaSMTP reads from the socket passes here.
 *
 * <p>Between commands it hands the library at most one line per read, so the library's buffer
 * never holds more than the line it is parsing, and it keeps over-long command lines from the
 * library: SubEthaSMTP 7.2.2 answers a line of 998 characters with 501 and ends the session. Here
 * a command line longer than {@link #MAX_LINE} octets with its line end is read to its end and
 * thrown away, and the client gets {@code 500 5.5.2} (RFC 5321 §4.5.3.1.4 and §4.2.2: "command
 * line too long"); the session goes on. The reply passes through the {@link ReplyWriter}, so the
 * error tarpit counts it and still ends a session that keeps sending them.
 *
 * <p>Message data (DATA, BDAT) and what comes before the greeting (a PROXY header) pass unchanged
 * ({@link #data()}). When commands follow again ({@link #commands}), the bytes the library buffered
 * past the data come back here first, so a command pipelined right behind the data is checked too.
 *
 * <p>Used by the session's thread only.
 */
public final class CommandInput extends InputStream {

    /** Octets of a command line with its CRLF the library takes: 997 characters and CRLF. */
    static final int MAX_LINE = 999;
    /**
     * Room for a command line of {@link #MAX_LINE} octets or a pipelined group of short ones; held
     * for as long as the connection idles.
     */
    private static final int BUFFER = 1024;

    private final InputStream in;
    private final OutputStream replies;
    private final Connection conn;
    private byte[] buf = new byte[BUFFER];
    private int pos;
    private int end;
    private boolean commands;
    private final byte[] single = new byte[1];

    /** {@code commands}: whether commands come first (after STARTTLS) or bytes pass unchanged (a PROXY header). */
    CommandInput(InputStream in, OutputStream replies, Connection conn, boolean commands) {
        this.in = in;
        this.replies = replies;
        this.conn = conn;
        this.commands = commands;
    }

    /** Message data follows: bytes pass unchanged until {@link #commands}. */
    public void data() {
        commands = false;
    }

    /**
     * Commands follow. {@code sessionInput} is the library's buffered stream over this one: what it
     * holds past the data (a pipelining client's next commands) is taken back and read again here.
     */
    public void commands(InputStream sessionInput) {
        try {
            // available() of this stream is 0, so the library's buffer alone is counted
            byte[] back = sessionInput.readNBytes(sessionInput.available());
            if (back.length > 0) {
                byte[] joined = new byte[Math.max(BUFFER, back.length + end - pos)];
                System.arraycopy(back, 0, joined, 0, back.length);
                System.arraycopy(buf, pos, joined, back.length, end - pos);
                end = back.length + end - pos;
                pos = 0;
                buf = joined;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        commands = true;
    }

    @Override
    public int read() throws IOException {
        int n = read(single, 0, 1);
        return n < 0 ? -1 : single[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!commands) {
            return pos < end ? take(b, off, len) : in.read(b, off, len);
        }
        while (true) {
            int lf = lineFeed();
            if (lf >= 0 && lf - pos < MAX_LINE) {
                return take(b, off, Math.min(len, lf + 1 - pos));
            }
            if (lf < 0 && end - pos < MAX_LINE) {
                if (!fill()) {
                    return pos < end ? take(b, off, len) : -1; // the library sees the end of stream
                }
                continue;
            }
            if (!skipLine()) {
                return -1;
            }
            refuse();
            if (conn.isClosed()) {
                return -1; // the tarpit's limit ended the session
            }
        }
    }

    private int take(byte[] b, int off, int len) {
        int n = Math.min(len, end - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    private int lineFeed() {
        for (int i = pos; i < end; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Reads more after what is buffered; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, end - pos);
            end -= pos;
            pos = 0;
        }
        int n = in.read(buf, end, buf.length - end);
        if (n < 0) {
            return false;
        }
        end += n;
        return true;
    }

    /** Throws away the current line up to and with its LF; false if the stream ends first. */
    private boolean skipLine() throws IOException {
        while (true) {
            int lf = lineFeed();
            if (lf >= 0) {
                pos = lf + 1;
                return true;
            }
            pos = 0;
            end = 0;
            if (!fill()) {
                return false;
            }
        }
    }

    private void refuse() throws IOException {
        Reply r = Reply.COMMAND_LINE_TOO_LONG;
        conn.metrics().rejection(r.reason());
        replies.write((r.line() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        replies.flush();
    }
}
