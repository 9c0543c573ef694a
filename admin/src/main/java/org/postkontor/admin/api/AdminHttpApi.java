package org.postkontor.admin.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API: JSON over HTTP, every request authenticated by {@code Authorization: Bearer
 * <token>} ({@link AdminToken}). Mount it on the admin listener (127.0.0.1 by default) with
 * {@code server.createContext(AdminApi.PREFIX, new AdminHttpApi(api, token))}; the operations are
 * those of {@link AdminApi}, documented with curl examples in the Administration section of README.md. Run the
 * server on an executor that may block (the store is blocking): virtual threads are fine.
 */
public final class AdminHttpApi implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(AdminHttpApi.class);

    private final AdminApi api;
    private final AdminToken token;

    public AdminHttpApi(AdminApi api, AdminToken token) {
        this.api = Objects.requireNonNull(api, "api");
        this.token = Objects.requireNonNull(token, "token");
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip()
                    : null;
            AdminApi.Reply reply;
            if (!token.matches(presented)) {
                log.warn("admin API: refused {} {} from {}: bad or missing token", ex.getRequestMethod(),
                        ex.getRequestURI().getRawPath(), ex.getRemoteAddress());
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"postkontor-admin\"");
                reply = api.error(new AdminError(401, "unauthorized", "missing or wrong admin token"));
            } else {
                AdminApi.Request request = new AdminApi.Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        query(ex.getRequestURI().getRawQuery()), ex.getRequestBody());
                reply = api.handle(request);
                log.info("admin API: {} {} -> {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), reply.status());
            }
            send(ex, reply);
        }
    }

    private void send(HttpExchange ex, AdminApi.Reply reply) throws IOException {
        ex.getResponseHeaders().add("Cache-Control", "no-store");
        switch (reply) {
            case AdminApi.JsonReply j -> {
                byte[] body = api.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(j.body());
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(j.status(), body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            case AdminApi.RawReply r -> {
                ex.getResponseHeaders().add("Content-Type", r.contentType());
                ex.sendResponseHeaders(r.status(), 0);
                try (InputStream in = r.stream(); OutputStream out = ex.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        }
    }

    /**
     * Query parameters (or an {@code application/x-www-form-urlencoded} body), percent-decoded; a
     * name without {@code =} has the empty value; the first of a repeated name counts.
     */
    public static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                q.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                // a malformed escape: leave the parameter out, the operation says what is missing
            }
        }
        return q;
    }
}
