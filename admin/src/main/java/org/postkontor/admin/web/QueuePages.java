package org.postkontor.admin.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The outbound queue: the messages waiting for delivery, one message's recipients with their state,
 * attempts and last reply, and its header; retry now, delete (no bounce). Each through the admin
 * API, as {@code postkontor admin queue} does it.
 */
final class QueuePages {

    private final ApiCalls api;
    private final Views views;

    QueuePages(ApiCalls api, Views views) {
        this.api = api;
        this.views = views;
    }

    Optional<Answer> handle(WebRequest r, Sessions.Session s) throws ApiCalls.Failed {
        boolean get = !r.method().equals("POST"); // GET or HEAD
        return Optional.ofNullable(switch (r.path()) {
            case "/queue" -> get ? views.render("queue", Views.page("Outbound queue", "queue", s),
                    "messages", api.get("queue", Map.of())) : null;
            case "/queue/item" -> get ? views.render("queue-item", Views.page("Queued message", "queue", s),
                    "message", api.get("queue/" + AccountPages.encode(r.param("id")), Map.of())) : null;
            case "/queue/retry", "/queue/delete" -> get ? null : post(r, s);
            default -> null;
        });
    }

    private Answer post(WebRequest r, Sessions.Session s) {
        String id = r.param("id");
        try {
            if (r.path().equals("/queue/retry")) {
                api.call("POST", "queue/" + AccountPages.encode(id) + "/retry", Map.of(), null);
                return Views.done(s, "/queue/item?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8),
                        "Message " + id + " is tried again now");
            }
            api.call("DELETE", "queue/" + AccountPages.encode(id), Map.of(), null);
            return Views.done(s, "/queue", "Deleted message " + id + " (no bounce is sent)");
        } catch (ApiCalls.Failed | IllegalArgumentException e) {
            return Views.failed(s, "/queue", e.getMessage());
        }
    }
}
