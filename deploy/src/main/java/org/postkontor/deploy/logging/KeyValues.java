package org.postkontor.deploy.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Parses a log message in the appliance's {@code key=value key2="quoted value"} form. A message
 * that is not entirely key=value pairs yields empty, and the layouts then print it as {@code msg}.
 */
public final class KeyValues {
    private KeyValues() {}

    public static Optional<Map<String, String>> parse(String message) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = message.length();
        while (i < n) {
            while (i < n && message.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int keyStart = i;
            while (i < n && isKeyChar(message.charAt(i))) {
                i++;
            }
            if (i == keyStart || i >= n || message.charAt(i) != '=') {
                return Optional.empty();
            }
            String key = message.substring(keyStart, i);
            i++;
            StringBuilder value = new StringBuilder();
            if (i < n && message.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = message.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(message.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed || (i < n && message.charAt(i) != ' ')) {
                    return Optional.empty();
                }
            } else {
                while (i < n && message.charAt(i) != ' ') {
                    value.append(message.charAt(i++));
                }
            }
            out.put(key, value.toString());
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(out);
    }

    private static boolean isKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                || c == '-';
    }

    /** A value as logfmt writes it: bare if safe, else quoted with {@code \"} and {@code \\}; control characters escaped. */
    public static String quote(String v) {
        boolean bare = !v.isEmpty();
        for (int i = 0; i < v.length() && bare; i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
                bare = false;
            }
        }
        if (bare) {
            return v;
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
