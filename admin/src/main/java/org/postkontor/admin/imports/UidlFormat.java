package org.postkontor.admin.imports;

import java.util.ArrayList;
import java.util.List;

/**
 * Dovecot's {@code pop3_uidl_format}, so that imported mail keeps the UIDLs the old server showed:
 * {@code %u} IMAP UID, {@code %v} UIDVALIDITY, {@code %g} GUID, {@code %f} Maildir file name, each
 * with an optional zero-padded width and {@code X}/{@code x} for hex ({@code %08Xu%08Xv} is
 * Dovecot 2.x's default). Dovecot writes hex in lower case for both {@code X} and {@code x}
 * (checked against Dovecot 2.3's POP3 server), and so does this. {@code %m} (header MD5) is not
 * supported.
 */
public final class UidlFormat {

    public static final String DOVECOT_DEFAULT = "%08Xu%08Xv";

    private sealed interface Part {}

    private record Literal(String text) implements Part {}

    private record Var(char name, int width, char radix) implements Part {}

    private final String pattern;
    private final List<Part> parts;

    private UidlFormat(String pattern, List<Part> parts) {
        this.pattern = pattern;
        this.parts = parts;
    }

    public static UidlFormat parse(String pattern) {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%') {
                lit.append(c);
                continue;
            }
            if (++i >= pattern.length()) {
                throw new IllegalArgumentException("UIDL format ends with %");
            }
            if (pattern.charAt(i) == '%') {
                lit.append('%');
                continue;
            }
            int width = 0;
            while (i < pattern.length() && Character.isDigit(pattern.charAt(i))) {
                width = width * 10 + (pattern.charAt(i++) - '0');
            }
            char radix = 'd';
            if (i < pattern.length() && (pattern.charAt(i) == 'X' || pattern.charAt(i) == 'x')) {
                radix = pattern.charAt(i++);
            }
            if (i >= pattern.length() || "uvgf".indexOf(pattern.charAt(i)) < 0) {
                throw new IllegalArgumentException("UIDL format supports %u, %v, %g and %f (with width and X), "
                        + "not: " + pattern);
            }
            if (!lit.isEmpty()) {
                parts.add(new Literal(lit.toString()));
                lit.setLength(0);
            }
            parts.add(new Var(pattern.charAt(i), Math.min(width, 32), radix));
        }
        if (!lit.isEmpty()) {
            parts.add(new Literal(lit.toString()));
        }
        return new UidlFormat(pattern, List.copyOf(parts));
    }

    /** Needs a UIDVALIDITY and UID (else only GUID/file name). */
    boolean needsUids() {
        return parts.stream().anyMatch(p -> p instanceof Var v && (v.name() == 'u' || v.name() == 'v'));
    }

    String format(long uid, long uidValidity, String guid, String fileName) {
        StringBuilder b = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Literal l -> b.append(l.text());
                case Var v -> {
                    String s = switch (v.name()) {
                        case 'u' -> number(uid, v.radix());
                        case 'v' -> number(uidValidity, v.radix());
                        case 'g' -> guid == null ? "" : guid;
                        default -> fileName == null ? "" : fileName;
                    };
                    if (s.length() < v.width()) {
                        b.append("0".repeat(v.width() - s.length()));
                    }
                    b.append(s);
                }
            }
        }
        return b.toString();
    }

    private static String number(long n, char radix) {
        return radix == 'd' ? Long.toString(n) : Long.toHexString(n);
    }

    @Override
    public String toString() {
        return pattern;
    }
}
