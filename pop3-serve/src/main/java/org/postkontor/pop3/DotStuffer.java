package org.postkontor.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Turns a message stream into a POP3 multi-line body (RFC 1939 §3): a "." is added before each line
 * that begins with ".", a CRLF is added after a last line that has none, and the terminating
 * ".CRLF" is appended. For TOP it stops after the header, the blank line and {@code bodyLines}
 * lines of the body. Reads the source in bounded chunks: memory use does not depend on the
 * message size. Not thread-safe.
 *
 * <p>A whole message (RETR) is copied in runs between the places that need a dot, found eight
 * octets at a time; TOP goes octet by octet, counting lines.
 *
 * <p>Call {@link #read(byte[])} until it returns -1. The caller closes the source.
 */
public final class DotStuffer {

    /** Source bytes read per call; the output of one call is at most twice this plus 5. */
    public static final int CHUNK = 8192;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    private static final long DOTS = 0x2E2E2E2E2E2E2E2EL;
    private static final long LOWS = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

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
        if (bodyLines < 0) {
            return whole(out, n);
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

    /** The next {@code n} octets of {@code buf} of a whole message, a dot added at each line start's dot. */
    private int whole(byte[] out, int n) {
        if (n == 0) {
            return 0;
        }
        int o = 0;
        int from = 0;
        if (lineStart && buf[0] == '.') {
            out[o++] = '.';
        }
        for (int lf = lineFeedBeforeDot(buf, 0, n); lf >= 0; lf = lineFeedBeforeDot(buf, lf + 1, n)) {
            int run = lf + 1 - from;
            System.arraycopy(buf, from, out, o, run);
            o += run;
            out[o++] = '.';
            from = lf + 1;
        }
        System.arraycopy(buf, from, out, o, n - from);
        o += n - from;
        lineStart = buf[n - 1] == '\n';
        return o;
    }

    /**
     * The first index at or after {@code i} of a LF followed by a dot within {@code b[0, n)}, or -1.
     * Eight positions per step: a byte of {@code x} is zero where both match, and the lowest byte
     * the zero-byte test flags is always a true zero (a false flag needs a borrow from below).
     */
    static int lineFeedBeforeDot(byte[] b, int i, int n) {
        for (; i + 9 <= n; i += 8) {
            long x = ((long) LONGS.get(b, i) ^ LFS) | ((long) LONGS.get(b, i + 1) ^ DOTS);
            long zeros = (x - LOWS) & ~x & HIGHS;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i + 1 < n; i++) {
            if (b[i] == '\n' && b[i + 1] == '.') {
                return i;
            }
        }
        return -1;
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
