package org.postkontor.smtp.internal;

import java.util.Locale;

/**
 * RFC 3463 enhanced status codes for the replies SubEthaSMTP 7.2.x writes itself without one
 * ({@code 250 Ok}, {@code 500 Error: command not implemented}, {@code 421 Timeout waiting for
 * data from client.}, ...). Postkontor's own replies ({@link Reply}) carry their code already.
 */
final class EnhancedCodes {

    private EnhancedCodes() {}

    static String forLibraryReply(int code, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        return switch (code) {
            case 211, 214, 220, 221, 250, 251, 252 -> "2.0.0";
            case 235 -> "2.7.0"; // RFC 4954 §6: authentication succeeded
            case 421 -> t.contains("timeout") ? "4.4.2" : t.contains("connections") ? "4.7.0" : "4.3.0";
            case 450 -> "4.2.0";
            case 451 -> "4.3.0";
            case 452 -> t.contains("recipients") ? "4.5.3" : "4.3.1";
            case 454 -> "4.7.0";
            case 500 -> "5.5.2";
            case 501 -> t.contains("cr and lf") || t.contains("encoding") || t.contains("too long") ? "5.5.2" : "5.5.4";
            case 502, 503 -> "5.5.1";
            case 504, 555 -> "5.5.4";
            case 530 -> "5.7.0";
            case 535 -> "5.7.8"; // RFC 4954 §6: credentials invalid
            case 552 -> "5.3.4";
            case 553 -> "5.1.7";
            default -> (code / 100) + ".0.0";
        };
    }
}
