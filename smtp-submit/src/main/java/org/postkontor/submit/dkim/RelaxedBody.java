package org.postkontor.submit.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * The relaxed body canonicalization (RFC 6376 §3.4.4), streamed into a digest: whitespace at line
 * ends removed, runs of whitespace as one space, empty lines at the end removed, and a non-empty
 * body ending in CRLF. A lone LF or lone CR ends a line, as the queue stores it (CRLF).
 */
final class RelaxedBody {

    private static final byte[] CRLF = {'\r', '\n'};

    private final MessageDigest out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private int emptyLines;
    private boolean space;

    private RelaxedBody(MessageDigest out) {
        this.out = out;
    }

    static void digest(InputStream in, MessageDigest out) throws IOException {
        RelaxedBody c = new RelaxedBody(out);
        byte[] buf = new byte[16384];
        boolean cr = false;
        int n;
        while ((n = in.read(buf)) != -1) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (cr) {
                    cr = false;
                    c.endLine();
                    if (b == '\n') {
                        continue;
                    }
                }
                switch (b) {
                    case '\r' -> cr = true;
                    case '\n' -> c.endLine();
                    case ' ', '\t' -> c.space = true;
                    default -> {
                        if (c.space) {
                            c.line.write(' ');
                            c.space = false;
                        }
                        c.line.write(b);
                    }
                }
            }
        }
        if (cr || c.line.size() > 0) {
            c.endLine();
        }
    }

    private void endLine() {
        space = false; // trailing whitespace goes
        if (line.size() == 0) {
            emptyLines++; // written only if a non-empty line follows
            return;
        }
        for (; emptyLines > 0; emptyLines--) {
            out.update(CRLF);
        }
        out.update(line.toByteArray());
        out.update(CRLF);
        line.reset();
    }
}
