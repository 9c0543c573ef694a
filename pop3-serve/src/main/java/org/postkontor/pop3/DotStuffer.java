package org.postkontor.pop3;

import java.io.IOException;
import java.io.InputStream;

/**
 * Turns a message stream into a POP3 multi-line body (RFC 1939 §3): a "." is added before each line
 * that begins with ".", a CRLF is added after a last line that has none, and the terminating
 * ".CRLF" is appended. For TOP it stops after the header, the blank line and {@code bodyLines}
 * lines of the body. Reads the source in bounded chunks: memory use does not depend on the
 * message size. Not thread-safe.
 *
 * <p>Call {@link #read(byte[])} until it returns -1. The caller closes the source.
 */
public final class DotStuffer {

    /** Source bytes read per call; the output of one call is at most twice this plus 5. */
    public static final int CHUNK = 8192;

    private final InputStream in;
    private final long bodyLines;
    private final byte[] buf = new byte[CHUNK];

    private boolean lineStart = true;
    private boolean lineEmpty = true;
    private boolean inBody;
    private long bodyLinesSent;
    private boolean finished;

    /** {@code bodyLines} is -1 for the whole message, else the TOP line count. */
    public DotStuffer(InputStream in, long bodyLines) {
        this.in = in;
        this.bodyLines = bodyLines;
    }

    /** The smallest output array {@link #read(byte[])} accepts. */
    public static int minOutput() {
        return 2 * CHUNK + 5;
    }

    /**
     * Fills {@code out} from the start with the next piece of the body and returns its length,
     * or -1 when everything including the terminating ".CRLF" has been returned.
     */
    public int read(byte[] out) throws IOException {
        if (out.length < minOutput()) {
            throw new IllegalArgumentException("output buffer too small");
        }
        if (finished) {
            return -1;
        }
        int o = 0;
        if (limitReached()) {
            return finish(out, o);
        }
        int n = in.read(buf);
        if (n < 0) {
            return finish(out, o);
        }
        for (int i = 0; i < n; i++) {
            byte b = buf[i];
            if (lineStart && b == '.') {
                out[o++] = '.';
            }
            out[o++] = b;
            if (b == '\n') {
                endOfLine();
                if (limitReached()) {
                    return finish(out, o);
                }
            } else {
                lineStart = false;
                if (b != '\r') {
                    lineEmpty = false;
                }
            }
        }
        return o;
    }

    private void endOfLine() {
        if (inBody) {
            bodyLinesSent++;
        } else if (lineEmpty) {
            inBody = true; // the blank line between header and body (RFC 5322 §2.1)
        }
        lineStart = true;
        lineEmpty = true;
    }

    private boolean limitReached() {
        return bodyLines >= 0 && inBody && bodyLinesSent >= bodyLines;
    }

    private int finish(byte[] out, int o) {
        if (!lineStart) {
            out[o++] = '\r';
            out[o++] = '\n';
        }
        out[o++] = '.';
        out[o++] = '\r';
        out[o++] = '\n';
        finished = true;
        return o;
    }
}
