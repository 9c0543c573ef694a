package org.postkontor.admin.api;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** Writing a whole answer on a {@code com.sun.net.httpserver} exchange: the appliance's HTTP listeners all do it so. */
public final class HttpReplies {

    private HttpReplies() {}

    /** Status, {@code Content-Type} and body; a HEAD request gets the headers only. Headers set before stay. */
    public static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
