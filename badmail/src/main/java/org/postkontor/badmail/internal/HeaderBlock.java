package org.postkontor.badmail.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.badmail.BadmailDetail.Header;

/**
 * Reads the header section of a message (RFC 5322 §2.2, §3.6; RFC 6532 for UTF-8), reading at most
 * a given number of octets and never the body. Accepts CRLF and bare LF line ends, since badmail
 * keeps originals byte-exact.
 */
public final class HeaderBlock {

    /** What was found. */
    public record Parsed(List<Header> headers, boolean truncated, int malformedLines) {}

    private final List<Header> headers = new ArrayList<>();
    private String name;
    private StringBuilder value;
    private int malformed;

    private HeaderBlock() {}

    /**
     * Reads from {@code in} until the empty line that ends the header section, the end of the
     * stream, or {@code maxBytes} octets, whichever comes first; a line cut by the limit is
     * dropped. Does not close {@code in}.
     */
    public static Parsed read(InputStream in, int maxBytes) throws IOException {
        HeaderBlock block = new HeaderBlock();
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int consumed = 0;
        while (true) {
            if (consumed >= maxBytes) {
                return block.done(true);
            }
            int b = in.read();
            if (b < 0) {
                if (line.size() > 0) {
                    block.line(line.toByteArray()); // last line without a line end
                }
                return block.done(false);
            }
            consumed++;
            if (b != '\n') {
                line.write(b);
                continue;
            }
            boolean more = block.line(line.toByteArray());
            line.reset();
            if (!more) {
                return block.done(false);
            }
        }
    }

    /** Takes one line without its LF; false at the empty line that ends the section. */
    private boolean line(byte[] bytes) {
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') {
            len--;
        }
        if (len == 0) {
            return false;
        }
        if (bytes[0] == ' ' || bytes[0] == '\t') {
            if (name == null) {
                malformed++;
            } else {
                value.append(decode(bytes, 0, len)); // unfolding removes only the line break
            }
            return true;
        }
        int colon = fieldNameEnd(bytes, len);
        if (colon < 0) {
            malformed++;
            return true;
        }
        flush();
        name = new String(bytes, 0, colon, StandardCharsets.US_ASCII);
        value = new StringBuilder(decode(bytes, colon + 1, len));
        return true;
    }

    private void flush() {
        if (name != null) {
            headers.add(new Header(name, value.toString().strip()));
            name = null;
            value = null;
        }
    }

    private Parsed done(boolean truncated) {
        flush();
        return new Parsed(headers, truncated, malformed);
    }

    /** Index of the colon ending a field name (printable US-ASCII except colon, RFC 5322 §3.6.8), or -1. */
    private static int fieldNameEnd(byte[] bytes, int len) {
        for (int i = 0; i < len; i++) {
            int c = bytes[i] & 0xff;
            if (c == ':') {
                return i == 0 ? -1 : i;
            }
            if (c < 33 || c > 126) {
                return -1;
            }
        }
        return -1;
    }

    /** UTF-8 with malformed input replaced; control characters except TAB shown as U+FFFD. */
    private static String decode(byte[] bytes, int from, int to) {
        String s = new String(bytes, from, to - from, StandardCharsets.UTF_8);
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = (c < 0x20 && c != '\t') || c == 0x7f;
            if (control && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(control ? '\uFFFD' : c);
            }
        }
        return out == null ? s : out.toString();
    }
}
