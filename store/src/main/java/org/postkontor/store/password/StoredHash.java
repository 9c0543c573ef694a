package org.postkontor.store.password;

import java.util.Locale;

/**
 * A stored password split into Dovecot's {@code {SCHEME}data} parts. A bare crypt string
 * ({@code $6$...}, {@code $2y$...}, a 13-character DES hash) is scheme {@code CRYPT}, as Dovecot's
 * passwd-file reads it by default. The scheme may carry an encoding suffix ({@code .b64},
 * {@code .base64}, {@code .hex}), kept apart in {@code encoding}.
 *
 * @param scheme   upper-cased scheme name without suffix, e.g. {@code SSHA512}
 * @param encoding {@code ""} when none was given, else {@code B64} or {@code HEX}
 * @param data     everything after the closing brace
 */
record StoredHash(String scheme, String encoding, String data) {

    /** Longest scheme name accepted between braces. */
    static final int MAX_SCHEME = 32;

    static StoredHash parse(String stored) {
        if (stored == null || stored.isEmpty()) {
            throw new IllegalArgumentException("empty password hash");
        }
        if (stored.charAt(0) != '{') {
            return new StoredHash("CRYPT", "", stored);
        }
        int close = stored.indexOf('}');
        if (close < 2 || close > MAX_SCHEME + 1) {
            throw new IllegalArgumentException("password hash has no {SCHEME} prefix");
        }
        String name = stored.substring(1, close).toUpperCase(Locale.ROOT);
        String encoding = "";
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String suffix = name.substring(dot + 1);
            encoding = switch (suffix) {
                case "B64", "BASE64" -> "B64";
                case "HEX" -> "HEX";
                default -> throw new IllegalArgumentException("unknown scheme encoding ." + suffix.toLowerCase(Locale.ROOT));
            };
            name = name.substring(0, dot);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new IllegalArgumentException("password scheme name has characters no scheme has");
            }
        }
        return new StoredHash(name, encoding, stored.substring(close + 1));
    }
}
