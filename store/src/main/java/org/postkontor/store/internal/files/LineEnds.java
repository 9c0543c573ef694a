package org.postkontor.store.internal.files;

/**
 * Turns every lone CR and lone LF into CRLF, and ends a last line that has no line end with CRLF
 * (POP3 sends one there, RFC 1939 §3, so the stored octets are the ones RETR sends). An empty
 * message stays empty. Feed it the message in pieces; not thread-safe.
 */
public final class LineEnds {

    private boolean pendingCr;
    private boolean lineOpen;

    /** Room {@link #normalize} needs in {@code out} for {@code n} input bytes. */
    public static int room(int n) {
        return 2 * n + 2;
    }

    /** Writes {@code in[0..n)} normalized to {@code out} (at least {@link #room(int)} long); returns its length. */
    public int normalize(byte[] in, int n, byte[] out) {
        int o = 0;
        int i = 0;
        boolean cr = pendingCr;
        boolean open = lineOpen;
        while (i < n) {
            // the bytes up to the next CR or LF, copied at once (a line's worth, usually)
            int start = i;
            while (i < n && in[i] != '\n' && in[i] != '\r') {
                i++;
            }
            if (i > start) {
                if (cr) {
                    out[o++] = '\n'; // a lone CR before them
                    cr = false;
                }
                System.arraycopy(in, start, out, o, i - start);
                o += i - start;
                open = true;
            }
            if (i == n) {
                break;
            }
            if (in[i++] == '\n') {
                if (!cr) {
                    out[o++] = '\r';
                }
                out[o++] = '\n';
                cr = false;
            } else {
                if (cr) {
                    out[o++] = '\n';
                }
                out[o++] = '\r';
                cr = true;
            }
            open = false;
        }
        pendingCr = cr;
        lineOpen = open;
        return o;
    }

    /** What the message still needs at its end: CRLF, LF (after a last lone CR) or nothing. */
    public byte[] end() {
        return lineOpen ? new byte[] {'\r', '\n'} : pendingCr ? new byte[] {'\n'} : new byte[0];
    }
}
