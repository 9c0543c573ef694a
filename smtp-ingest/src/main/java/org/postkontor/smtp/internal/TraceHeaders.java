package org.postkontor.smtp.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Return-Path:} and {@code Received:} lines put before the data (RFC 5321 §4.4, RFC
 * 5322 §3.6.7; "with ESMTPS" per RFC 3848). Client-supplied text (HELO name, addresses) is
 * reduced to safe characters: it can never add a header line.
 */
final class TraceHeaders {

    /** RFC 5322 §3.3 date-time. */
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US);

    private TraceHeaders() {}

    static byte[] build(String sender, String helo, String clientIp, String hostname, String id,
                        String singleRecipient, String tlsProtocol, String tlsCipher, Instant at, ZoneId zone) {
        StringBuilder b = new StringBuilder(256);
        b.append("Return-Path: <").append(safe(sender, 320)).append(">\r\n");
        // RFC 5321 §4.1.3: an IPv6 address literal is tagged "IPv6:"
        b.append("Received: from ").append(helo == null ? "unknown" : safe(helo, 255))
                .append(" ([").append(clientIp.indexOf(':') >= 0 ? "IPv6:" : "").append(clientIp).append("])\r\n");
        b.append("\tby ").append(hostname).append(" (Postkontor) with ")
                .append(tlsProtocol != null ? "ESMTPS" : "ESMTP").append(" id ").append(id);
        if (tlsProtocol != null) {
            b.append("\r\n\t(using ").append(tlsProtocol).append(" with cipher ").append(tlsCipher).append(')');
        }
        if (singleRecipient != null) {
            b.append("\r\n\tfor <").append(safe(singleRecipient, 320)).append('>');
        }
        b.append(";\r\n\t").append(DATE.format(at.atZone(zone))).append("\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
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
