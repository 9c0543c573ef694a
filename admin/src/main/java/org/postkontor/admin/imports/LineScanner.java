package org.postkontor.admin.imports;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads an octet stream line by line (LF-terminated, CR kept), tracking each line's offset and
 * number. Keeps only the first {@value #KEEP} octets of a line for inspection, so a huge line never
 * fills memory.
 */
final class LineScanner {

    static final int KEEP = 4096;

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long offset;

    /** The current line: first {@link #kept} octets (without LF), its start and full length. */
    byte[] line = new byte[KEEP];
    int kept;
    long lineStart;
    long lineLength;
    boolean endedWithLf;
    int lineNumber;

    LineScanner(InputStream in) {
        this.in = in;
    }

    /** Advances to the next line; false at the end of the stream. */
    boolean next() throws IOException {
        kept = 0;
        lineLength = 0;
        lineStart = offset;
        endedWithLf = false;
        while (true) {
            if (pos == lim) {
                lim = in.read(buf, 0, buf.length);
                pos = 0;
                if (lim <= 0) {
                    lim = 0;
                    if (lineLength == 0) {
                        return false;
                    }
                    lineNumber++;
                    return true;
                }
            }
            byte b = buf[pos++];
            offset++;
            if (b == '\n') {
                endedWithLf = true;
                lineNumber++;
                return true;
            }
            if (kept < KEEP) {
                line[kept++] = b;
            }
            lineLength++;
        }
    }

    /** Length of the line without a trailing CR, within the kept part. */
    int contentLength() {
        return kept > 0 && line[kept - 1] == '\r' && lineLength == kept ? kept - 1 : kept;
    }

    boolean isBlank() {
        return lineLength == 0 || lineLength == 1 && line[0] == '\r';
    }

    boolean startsWith(byte[] prefix) {
        return kept >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }

    long offset() {
        return offset;
    }
}
