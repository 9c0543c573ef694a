package org.postkontor.admin.imports;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.postkontor.store.MaildropEntry;

/** Small helpers for the header lines an import reads (RFC 5322 §2.2). */
final class MessageHeaders {

    private MessageHeaders() {}

    /** Does this line (without its line end) look like the start of a header field, {@code Name: value}? */
    static boolean isFieldStart(byte[] line, int length) {
        int i = 0;
        while (i < length) {
            int c = line[i] & 0xff;
            if (c == ':') {
                return i > 0;
            }
            if (c < 33 || c > 126) {
                return false;
            }
            i++;
        }
        return false;
    }

    /** The value of {@code name} if this line is that field (case-insensitive), else null. */
    static String value(byte[] line, int length, String name) {
        int n = name.length();
        if (length <= n || line[n] != ':') {
            return null;
        }
        String head = new String(line, 0, n, StandardCharsets.US_ASCII);
        if (!head.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
            return null;
        }
        return new String(line, n + 1, length - n - 1, StandardCharsets.ISO_8859_1).strip();
    }

    /** An {@code X-UIDL} value usable as a UIDL, else null. */
    static String uidl(String xUidl) {
        return xUidl != null && MaildropEntry.isValidUidl(xUidl) ? xUidl : null;
    }
}
