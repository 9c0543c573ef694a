package org.postkontor.badmail;

/** Text from an envelope or a client made safe for a header line or a log value. */
final class SafeText {

    private SafeText() {}

    /** For header lines: printable, no CR/LF, no angle brackets or parentheses, at most 255 characters. */
    static String forHeader(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 255));
        for (int i = 0; i < s.length() && b.length() < 255; i++) {
            char c = s.charAt(i);
            b.append(c <= 0x20 || c == 0x7f || "<>()".indexOf(c) >= 0 ? '?' : c);
        }
        return b.toString();
    }

    /** For log values: no spaces, CR or LF, bounded; {@code -} for none. */
    static String forLog(String s) {
        return s == null || s.isEmpty() ? "-" : forHeader(s);
    }
}
