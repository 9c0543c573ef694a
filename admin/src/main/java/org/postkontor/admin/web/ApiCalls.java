package org.postkontor.admin.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.postkontor.admin.api.AdminApi;

/**
 * The web pages' one way to do anything: the admin API's operations, in-process, exactly as the
 * CLI and scripts call them, so that a page checks and does what {@code postkontor admin} does.
 * An error reply becomes a {@link Failed} carrying the API's message for people.
 */
final class ApiCalls {

    /** The API refused or could not do the operation; {@code status} is its HTTP status. */
    static final class Failed extends Exception {
        final int status;

        Failed(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final AdminApi api;

    ApiCalls(AdminApi api) {
        this.api = api;
    }

    ObjectNode object() {
        return api.json().createObjectNode();
    }

    JsonNode get(String path, Map<String, String> query) throws Failed {
        return call("GET", path, query, null);
    }

    JsonNode call(String method, String path, Map<String, String> query, ObjectNode body) throws Failed {
        byte[] raw = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
        AdminApi.Reply reply = api.handle(new AdminApi.Request(method, AdminApi.PREFIX + path, query,
                new ByteArrayInputStream(raw)));
        if (!(reply instanceof AdminApi.JsonReply j)) {
            throw new Failed(500, "unexpected reply");
        }
        if (j.status() >= 300) {
            throw new Failed(j.status(), j.body().path("message").asText("failed"));
        }
        return j.body();
    }
}
