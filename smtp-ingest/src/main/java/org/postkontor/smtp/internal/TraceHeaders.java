package org.postkontor.smtp.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Return-Path:} and {@code Received:} lines put before the data (RFC 5321 §4.4, RFC
 * 5322 §3.6.7; "with ESMTPS" per RFC 3848). Client-supplied text (HELO name, addresses) is
 * reduced to safe characters: it can never add a header line.
 */
final class TraceHeaders {

    /** RFC 5322 §3.3 date-time; {@link #date} writes the same text by hand (the formatter is slow). */
    static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US);
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS =
            {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private TraceHeaders() {}

    static byte[] build(String sender, String helo, String clientIp, String hostname, String id,
                        String singleRecipient, String tlsProtocol, String tlsCipher, Instant at, ZoneId zone) {
        StringBuilder b = new StringBuilder(256);
        b.append("Return-Path: <").append(safe(sender, 320)).append(">\r\n");
        b.append("Received: from ").append(helo == null ? "unknown" : safe(helo, 255))
                .append(" ([").append(clientIp).append("])\r\n");
        b.append("\tby ").append(hostname).append(" (Postkontor) with ")
                .append(tlsProtocol != null ? "ESMTPS" : "ESMTP").append(" id ").append(id);
        if (tlsProtocol != null) {
            b.append("\r\n\t(using ").append(tlsProtocol).append(" with cipher ").append(tlsCipher).append(')');
        }
        if (singleRecipient != null) {
            b.append("\r\n\tfor <").append(safe(singleRecipient, 320)).append('>');
        }
        b.append(";\r\n\t");
        date(b, at.atZone(zone));
        b.append("\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code DATE.format(t)}, e.g. {@code Fri, 27 Nov 2026 22:00:00 +0100}, without the formatter's cost. */
    static StringBuilder date(StringBuilder b, ZonedDateTime t) {
        int year = t.getYear();
        if (year < 1000 || year > 9999) {
            return b.append(DATE.format(t));
        }
        b.append(DAYS[t.getDayOfWeek().getValue() - 1]).append(", ").append(t.getDayOfMonth()).append(' ')
                .append(MONTHS[t.getMonthValue() - 1]).append(' ').append(year).append(' ');
        two(b, t.getHour()).append(':');
        two(b, t.getMinute()).append(':');
        two(b, t.getSecond()).append(' ');
        int offset = t.getOffset().getTotalSeconds();
        if (offset == 0) {
            return b.append("+0000");
        }
        int abs = Math.abs(offset);
        b.append(offset < 0 ? '-' : '+');
        two(b, abs / 3600);
        return two(b, abs / 60 % 60);
    }

    private static StringBuilder two(StringBuilder b, int v) {
        return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    /** Printable characters only, no parentheses or angle brackets, bounded. */
    static String safe(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            boolean ok = c > ' ' && c != 0x7f && c != '(' && c != ')' && c != '<' && c != '>' && c != ';'
                    && !Character.isISOControl(c) && !Character.isWhitespace(c);
            b.append(ok ? c : '?');
        }
        return b.toString();
    }
}
