package org.postkontor.smtp.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The message data with some fields of its header section left out, as a stream: a line at a
 * time through the header section (a field and its folded continuation lines go or stay
 * together), then the rest unchanged. Nothing beyond one line is held. The header section ends
 * at the first empty line, or at the first line that is not a field (RFC 5322 §2.2); after that
 * nothing is touched.
 */
final class HeaderEdits extends InputStream {

    /** A header line longer than this ends the editing (the data scanner refuses such lines anyway). */
    private static final int MAX_LINE = 1 << 20;

    private final InputStream in;
    private final Map<String, Integer> remove;
    private final Map<String, Integer> seen = new HashMap<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private byte[] pending = new byte[0];
    private int pendingPos;
    private boolean inHeader = true;
    private boolean dropping;

    /**
     * @param remove field names (lower case) → which occurrence to leave out: 0 = every one,
     *               n &gt; 0 = the n-th from the top; other values leave the field alone
     */
    HeaderEdits(InputStream in, Map<String, Integer> remove) {
        this.in = new BufferedInputStream(Objects.requireNonNull(in, "in"), 16384);
        this.remove = Map.copyOf(remove);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (inHeader && pendingPos == pending.length) {
            if (!nextHeaderLine()) {
                return -1;
            }
        }
        if (pendingPos < pending.length) {
            int n = Math.min(len, pending.length - pendingPos);
            System.arraycopy(pending, pendingPos, b, off, n);
            pendingPos += n;
            return n;
        }
        return in.read(b, off, len);
    }

    /** Reads one line of the header section into {@link #pending} (empty if left out); false at EOF. */
    private boolean nextHeaderLine() throws IOException {
        line.reset();
        int c;
        while ((c = in.read()) >= 0) {
            line.write(c);
            if (c == '\n' || line.size() >= MAX_LINE) {
                break;
            }
        }
        if (line.size() == 0) {
            return false;
        }
        byte[] l = line.toByteArray();
        pending = l;
        pendingPos = 0;
        if (c < 0 || l.length >= MAX_LINE || l[0] == '\r' || l[0] == '\n') {
            inHeader = false; // the blank line, a line too long, or the end: the body follows unchanged
            return true;
        }
        if (l[0] == ' ' || l[0] == '\t') {
            if (dropping) {
                pending = new byte[0];
            }
            return true;
        }
        int colon = indexOf(l, (byte) ':');
        String name = colon <= 0 ? "" : new String(l, 0, colon, StandardCharsets.ISO_8859_1).strip()
                .toLowerCase(Locale.ROOT);
        if (name.isEmpty() || !name.chars().allMatch(ch -> ch > ' ' && ch < 0x7f)) {
            inHeader = false; // not a field: the header section ended without a blank line
            dropping = false;
            return true;
        }
        int occurrence = seen.merge(name, 1, Integer::sum);
        Integer which = remove.get(name);
        dropping = which != null && (which == 0 || which == occurrence);
        if (dropping) {
            pending = new byte[0];
        }
        return true;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
