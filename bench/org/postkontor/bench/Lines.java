package org.postkontor.bench;

import java.io.IOException;
import java.io.InputStream;

/** Protocol lines as the load and crash drivers read them (SMTP replies, POP3 responses). */
public final class Lines {
    private Lines() {}

    /** The next line without its CRLF (or LF); an IOException at the end of the stream or past 8192 octets. */
    public static String read(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            if (sb.length() > 8192) {
                throw new IOException("line too long");
            }
            sb.append((char) b);
        }
        throw new IOException("connection closed");
    }
}
