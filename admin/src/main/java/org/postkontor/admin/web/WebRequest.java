package org.postkontor.admin.web;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.postkontor.admin.api.AdminHttpApi;

/**
 * What one request to the web pages says: method, path, query and form fields (percent-decoded,
 * bounded), the session cookie, the client's IP. Read once at the start of a request.
 */
record WebRequest(String method, String path, Map<String, String> query, Map<String, String> form,
                  String sessionId, String clientIp, String origin, String host) {

    /** Largest form body read (RFC-less; the largest form is a password change). */
    static final int MAX_FORM = 64 * 1024;

    /** The request is malformed (status 400 or 413, {@code message} for the page). */
    static final class Malformed extends Exception {
        final int status;

        Malformed(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    static WebRequest read(HttpExchange ex, String cookieName) throws IOException, Malformed {
        String method = ex.getRequestMethod();
        Map<String, String> form = Map.of();
        if (method.equals("POST")) {
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
                throw new Malformed(400, "expected a form");
            }
            byte[] raw;
            try (InputStream in = ex.getRequestBody()) {
                raw = in.readNBytes(MAX_FORM + 1);
            }
            if (raw.length > MAX_FORM) {
                throw new Malformed(413, "form too large");
            }
            form = AdminHttpApi.query(new String(raw, StandardCharsets.UTF_8));
        }
        InetSocketAddress remote = ex.getRemoteAddress();
        return new WebRequest(method, ex.getRequestURI().getPath(), AdminHttpApi.query(ex.getRequestURI().getRawQuery()),
                form, cookie(ex, cookieName), remote == null ? "-" : remote.getAddress().getHostAddress(),
                ex.getRequestHeaders().getFirst("Origin"), ex.getRequestHeaders().getFirst("Host"));
    }

    /** A form field (POST) or query parameter (GET), stripped; empty if absent. */
    String param(String name) {
        String v = (method.equals("POST") ? form : query).get(name);
        return v == null ? "" : v.strip();
    }

    /** A form field as it was typed (passwords: not stripped); empty if absent. */
    String raw(String name) {
        String v = form.get(name);
        return v == null ? "" : v;
    }

    private static String cookie(HttpExchange ex, String name) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String part : header.split(";")) {
                String p = part.strip();
                if (p.startsWith(name + "=")) {
                    return p.substring(name.length() + 1);
                }
            }
        }
        return null;
    }
}
