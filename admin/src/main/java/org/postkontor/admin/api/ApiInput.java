package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;

/**
 * Reading what an admin request says, strictly: addresses, domains, ages, numbers, JSON bodies.
 * Every problem is an {@link AdminError} (400) or an {@link IllegalArgumentException} with a
 * message for people; nothing here echoes a password. Public for the CLI, which checks addresses,
 * domains and durations the same way before it calls.
 */
public final class ApiInput {

    private ApiInput() {}

    static Duration age(String olderThan) throws AdminError {
        return olderThan == null || olderThan.isEmpty() ? null : duration(olderThan);
    }

    /** {@code 30d}, {@code 12h}, {@code 45m}, {@code 90s}, or ISO-8601 ({@code P30D}, {@code PT12H}). */
    public static Duration duration(String s) throws AdminError {
        try {
            if (s.startsWith("P") || s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            Duration d = switch (s.charAt(s.length() - 1)) {
                case 'd' -> Duration.ofDays(n);
                case 'h' -> Duration.ofHours(n);
                case 'm' -> Duration.ofMinutes(n);
                case 's' -> Duration.ofSeconds(n);
                default -> throw new NumberFormatException();
            };
            if (d.isNegative()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw AdminError.badInput("duration must be like 30d, 12h, 45m, 90s or P30D");
        }
    }

    static int intParam(AdminApi.Request r, String name) throws AdminError {
        String v = r.query().get(name);
        if (v == null) {
            return 0;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw AdminError.badInput(name + " must be a number >= 0");
        }
    }

    static boolean flag(AdminApi.Request r, String name) {
        String v = r.query().get(name);
        return v != null && (v.isEmpty() || v.equals("true") || v.equals("1") || v.equals("yes"));
    }

    static Quota quota(JsonNode b) throws AdminError {
        long bytes = b.path("quotaBytes").asLong(0);
        long messages = b.path("quotaMessages").asLong(0);
        if (bytes < 0 || messages < 0) {
            throw AdminError.badInput("quota must be 0 (no limit) or positive");
        }
        return new Quota(bytes, messages);
    }

    static char[] password(JsonNode b) throws AdminError {
        JsonNode pw = b.get("password");
        if (pw == null || !pw.isTextual() || pw.asText().isEmpty()) {
            throw AdminError.badInput("empty password");
        }
        return pw.asText().toCharArray();
    }

    public static MailAddress address(String s) throws AdminError {
        try {
            return MailAddress.parse(s == null ? null : s.strip());
        } catch (IllegalArgumentException e) {
            throw AdminError.badInput("malformed address '" + printable(s) + "': " + e.getMessage());
        }
    }

    public static String domain(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("no domain given");
        }
        try {
            return new MailAddress("postmaster", s.strip()).domain();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed domain '" + printable(s) + "': " + e.getMessage());
        }
    }

    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }

    static String text(JsonNode b, String field) throws AdminError {
        JsonNode n = b.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw AdminError.badInput("missing \"" + field + "\"");
        }
        return n.asText();
    }

    static JsonNode body(ObjectMapper json, AdminApi.Request r) throws AdminError, IOException {
        byte[] raw = r.body().readNBytes(AdminApi.MAX_JSON + 1);
        if (raw.length > AdminApi.MAX_JSON) {
            throw new AdminError(413, "too_large", "request body over " + AdminApi.MAX_JSON + " bytes");
        }
        if (raw.length == 0) {
            return json.createObjectNode();
        }
        try {
            JsonNode n = json.readTree(raw);
            if (n == null || !n.isObject()) {
                throw AdminError.badInput("request body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw AdminError.badInput("request body is not JSON");
        }
    }

    static void expect(String m, String method, String[] p, int length) throws AdminError {
        if (!m.equals(method) || p.length != length) {
            throw new AdminError(405, "bad_method", "use " + method);
        }
    }

    static AdminError noRoute(AdminApi.Request r) {
        return AdminError.notFound("no such API operation: " + r.method() + " " + r.path());
    }
}
