package org.postkontor.smtp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The message data of a DATA command, read from the session's raw input: ended by
 * {@code <CRLF>.<CRLF>} (the start of the data counts as following a CRLF), with the leading dot
 * of every dot-stuffed line removed (RFC 5321 §4.5.2). Only CR LF ends a line for either purpose:
 * a lone LF or CR never ends the data (no SMTP smuggling), nor starts a stuffed line.
 *
 * <p>Bytes and framing are those of SubEthaSMTP 7.2.2's {@code DotTerminatedInputStream} under
 * {@code DotUnstuffingInputStream} (checked by {@code DotTerminatedDataDifferentialTest}), with one
 * deliberate difference: 7.2.2 leaves the dot of a stuffed FIRST line in the message ({@code ..x}
 * is stored as {@code ..x}); here it is removed like on every other line. An end of stream before
 * the terminator is an {@link EOFException} (after every byte before it has been returned), as
 * there.
 *
 * <p>Unlike those streams, which take one byte per call through several layers, this one reads in
 * bulk: it marks the raw input, reads a block, scans it, then resets and skips exactly the bytes it
 * used. It never consumes a byte past the end-of-data line, where a pipelining client's next command
 * already waits. An input without mark/reset is read one byte at a time.
 *
 * <p>Use: one instance per DATA command, read until -1 (or an exception). {@link #close()} does not
 * close the raw input, which belongs to the session.
 */
public final class DotTerminatedData extends InputStream {

    /** Raw bytes scanned per block: the session's buffer size, so a mark never outgrows it. */
    public static final int BLOCK = 8192;

    private static final int CR = '\r';
    private static final int LF = '\n';
    private static final int DOT = '.';

    /** Where the scan is in the line structure of the raw input. */
    private enum At {
        /** After CRLF, or at the start of the data. */
        LINE_START,
        /** After a dot at a line start; the dot is dropped unless it begins the terminator. */
        DOT,
        /** After a dot and a CR at a line start: an LF next ends the data. */
        DOT_CR,
        /** After a CR that did not follow a line-start dot. */
        CR,
        /** Anywhere else. */
        TEXT
    }

    private final InputStream raw;
    private final boolean bulk;
    private final byte[] block;
    private At at = At.LINE_START;
    private final byte[] single = new byte[1];
    private boolean ended;
    private boolean eof;
    /** Without mark/reset: a raw byte read but not yet taken, or -1. */
    private int held = -1;
    /** Output bytes of the last {@link #scan}. */
    private int written;

    public DotTerminatedData(InputStream raw) {
        this.raw = raw;
        this.bulk = raw.markSupported();
        this.block = bulk ? new byte[BLOCK] : null;
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
        while (true) {
            if (ended) {
                return -1;
            }
            if (eof) {
                return atEof(b, off);
            }
            int n = bulk ? readBlock(b, off, len) : readByte(b, off, len);
            if (n > 0) {
                return n;
            }
        }
    }

    /** One marked block of the raw input: scan it, then give back what was not used. */
    private int readBlock(byte[] b, int off, int len) throws IOException {
        int want = Math.min(BLOCK, len);
        raw.mark(want);
        int got = raw.read(block, 0, want);
        if (got < 0) {
            eof = true;
            return 0;
        }
        int used = scan(block, got, b, off, len);
        raw.reset();
        skipExactly(used);
        return written;
    }

    /** Without mark/reset: one raw byte per call to the input, never one too many. */
    private int readByte(byte[] b, int off, int len) throws IOException {
        int c = held >= 0 ? held : raw.read();
        held = -1;
        if (c < 0) {
            eof = true;
            return 0;
        }
        single[0] = (byte) c;
        if (scan(single, 1, b, off, len) == 0) {
            held = c; // the output was full (a CR came first): this byte is read next time
        }
        return written;
    }

    /**
     * Runs the line state machine over {@code in[0..n)}, writing data bytes to {@code out[off..]}
     * (at most {@code len}; sets {@link #written}). Returns how many input bytes it took: all of
     * them, or fewer when the output is full or the terminator ended the data.
     */
    private int scan(byte[] in, int n, byte[] out, int off, int len) {
        int w = off;
        int end = off + len;
        int i = 0;
        At s = at;
        while (i < n && w < end) {
            int c = in[i];
            switch (s) {
                case TEXT -> {
                    // The hot path: copy up to the next CR in one go.
                    int stop = Math.min(n, i + (end - w));
                    int j = i;
                    while (j < stop && in[j] != CR) {
                        j++;
                    }
                    int k = j - i;
                    System.arraycopy(in, i, out, w, k);
                    w += k;
                    i = j;
                    if (j < stop) {
                        out[w++] = (byte) CR;
                        i++;
                        s = At.CR;
                    }
                }
                case CR -> {
                    out[w++] = (byte) c;
                    i++;
                    s = c == LF ? At.LINE_START : c == CR ? At.CR : At.TEXT;
                }
                case LINE_START -> {
                    i++;
                    if (c == DOT) {
                        s = At.DOT;
                    } else {
                        out[w++] = (byte) c;
                        s = c == CR ? At.CR : At.TEXT;
                    }
                }
                case DOT -> {
                    i++;
                    if (c == CR) {
                        s = At.DOT_CR;
                    } else {
                        out[w++] = (byte) c; // the stuffing dot is dropped
                        s = At.TEXT;
                    }
                }
                case DOT_CR -> {
                    if (c == LF) {
                        i++;
                        ended = true;
                        at = s;
                        written = w - off;
                        return i;
                    }
                    // Not the end: the dot is dropped, the CR is data, and c is read after a CR.
                    out[w++] = (byte) CR;
                    s = At.CR;
                }
            }
        }
        at = s;
        written = w - off;
        return i;
    }

    /** The raw input ended before the terminator: a pending CR first, then the exception. */
    private int atEof(byte[] b, int off) throws EOFException {
        if (at == At.DOT_CR) {
            at = At.CR;
            b[off] = (byte) CR;
            return 1;
        }
        throw new EOFException("Pre-mature end of <CRLF>.<CRLF> terminated data");
    }

    private void skipExactly(int n) throws IOException {
        long left = n;
        while (left > 0) {
            long k = raw.skip(left);
            if (k <= 0) {
                throw new IOException("could not skip the scanned data after reset");
            }
            left -= k;
        }
    }

    /** Leaves the raw input open: it belongs to the session. */
    @Override
    public void close() {
        // nothing to release
    }
}
