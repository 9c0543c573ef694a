package org.postkontor.smtp.internal;

/**
 * Looks at message data as it streams in, without keeping it: NUL bytes, lines longer than the
 * limit (RFC 5321 §4.5.3.1.6, counted with their CRLF), 8-bit octets, and the number of
 * {@code Received:} header fields (RFC 5321 §6.3 loop detection). A lone LF or CR counts as a line
 * end here (the store turns it into CRLF); it never ends the data.
 */
final class DataScanner {

    private static final byte[] RECEIVED = "received:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int maxLineLength;
    private int lineLength;
    private boolean inHeaders = true;
    private boolean nameMatches = true;
    private boolean sawNul;
    private boolean sawLongLine;
    private boolean saw8bit;
    private int received;
    private int prev = -1;

    DataScanner(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    void scan(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            if (!inHeaders) {
                // in the body, a run of printable 7-bit octets (no CR, LF or NUL) only lengthens the line
                int start = i;
                while (i < end && b[i] > '\r') {
                    i++;
                }
                if (i > start) {
                    lineLength += i - start;
                    if (lineLength > maxLineLength - 2) {
                        sawLongLine = true;
                    }
                    prev = b[i - 1];
                    if (i == end) {
                        break;
                    }
                }
            }
            int c = b[i++] & 0xff;
            if (c == 0) {
                sawNul = true;
            } else if (c >= 0x80) {
                saw8bit = true;
            }
            if (c == '\n' || (c == '\r')) {
                if (c == '\n' && prev == '\r') {
                    prev = c;
                    continue; // second half of CRLF
                }
                endLine();
            } else {
                if (inHeaders && lineLength < RECEIVED.length) {
                    int lower = c >= 'A' && c <= 'Z' ? c + 32 : c;
                    if (lower != RECEIVED[lineLength]) {
                        nameMatches = false;
                    }
                }
                lineLength++;
                if (lineLength > maxLineLength - 2) {
                    sawLongLine = true;
                }
            }
            prev = c;
        }
    }

    private void endLine() {
        if (inHeaders) {
            if (lineLength == 0) {
                inHeaders = false;
            } else if (nameMatches && lineLength >= RECEIVED.length) {
                received++;
            }
        }
        lineLength = 0;
        nameMatches = true;
    }

    boolean sawNul() {
        return sawNul;
    }

    boolean sawLongLine() {
        return sawLongLine;
    }

    boolean saw8bit() {
        return saw8bit;
    }

    /** {@code Received:} fields in the header section seen so far. */
    int receivedHeaders() {
        return received;
    }
}
