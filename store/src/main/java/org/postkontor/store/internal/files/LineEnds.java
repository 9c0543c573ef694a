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
        boolean cr = pendingCr;
        boolean open = lineOpen;
        for (int i = 0; i < n; i++) {
            byte b = in[i];
            if (b == '\n') {
                if (!cr) {
                    out[o++] = '\r';
                }
                out[o++] = '\n';
                cr = false;
                open = false;
            } else {
                if (cr) {
                    out[o++] = '\n';
                }
                out[o++] = b;
                cr = b == '\r';
                open = !cr;
            }
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
