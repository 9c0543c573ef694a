package org.postkontor.admin.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The badmail browser: a page of items filtered by reason, recipient and age; one item's envelope,
 * reason and header; redeliver (to its recipients or a corrected address), delete, purge. Each
 * through the admin API, as {@code postkontor admin badmail} does it.
 */
final class BadmailPages {

    /** Items per page. */
    static final int PAGE = 50;
    static final List<String> REASONS = List.of("unknown_user", "dangling_alias", "mailbox_full", "mailbox_disabled",
            "store_permanent", "loop", "spam");

    private final ApiCalls api;
    private final Views views;

    BadmailPages(ApiCalls api, Views views) {
        this.api = api;
        this.views = views;
    }

    Optional<Answer> handle(WebRequest r, Sessions.Session s) throws ApiCalls.Failed {
        boolean get = !r.method().equals("POST"); // GET or HEAD
        return Optional.ofNullable(switch (r.path()) {
            case "/badmail" -> get ? list(r, s) : null;
            case "/badmail/item" -> get ? views.render("badmail-item", Views.page("Badmail item", "badmail", s),
                    "item", api.get("badmail/" + AccountPages.encode(r.param("id")), Map.of())) : null;
            case "/badmail/redeliver", "/badmail/delete", "/badmail/purge" -> get ? null : post(r, s);
            default -> null;
        });
    }

    private Answer list(WebRequest r, Sessions.Session s) throws ApiCalls.Failed {
        Map<String, String> filter = new HashMap<>();
        Map<String, String> query = new HashMap<>();
        for (String[] f : new String[][] {{"reason", "kind"}, {"recipient", "recipient"}, {"older-than", "older-than"}}) {
            String v = r.param(f[0]);
            filter.put(f[0], v);
            if (!v.isEmpty()) {
                query.put(f[1], v);
            }
        }
        int offset = 0;
        try {
            offset = Math.max(0, Integer.parseInt(r.param("offset")));
        } catch (NumberFormatException e) {
            // first page
        }
        query.put("offset", Integer.toString(offset));
        query.put("limit", Integer.toString(PAGE + 1));
        JsonNode items = api.get("badmail", query);
        String next = null;
        if (items.size() > PAGE) {
            ((com.fasterxml.jackson.databind.node.ArrayNode) items).remove(PAGE);
            StringBuilder b = new StringBuilder("/badmail?offset=").append(offset + PAGE);
            filter.forEach((k, v) -> b.append('&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
            next = b.toString();
        }
        return views.render("badmail", Views.page("Badmail", "badmail", s), "items", items, "filter", filter,
                "reasons", REASONS, "next", next);
    }

    private Answer post(WebRequest r, Sessions.Session s) {
        String id = r.param("id");
        String item = "/badmail/item?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
        try {
            switch (r.path()) {
                case "/badmail/redeliver" -> {
                    JsonNode n = api.call("POST", "badmail/" + AccountPages.encode(id) + "/redeliver", Map.of(),
                            r.param("to").isEmpty() ? api.object() : api.object().put("to", r.param("to")));
                    StringBuilder to = new StringBuilder();
                    n.path("to").forEach(x -> to.append(to.isEmpty() ? "" : ", ").append(x.asText()));
                    return Views.done(s, "/badmail", "Redelivered to " + to);
                }
                case "/badmail/delete" -> {
                    api.call("DELETE", "badmail/" + AccountPages.encode(id), Map.of(), null);
                    return Views.done(s, "/badmail", "Deleted item " + id);
                }
                default -> {
                    var b = api.object();
                    if (!r.param("older-than").isEmpty()) {
                        b.put("olderThan", r.param("older-than"));
                    }
                    if (!r.param("reason").isEmpty()) {
                        b.put("reason", r.param("reason"));
                    }
                    JsonNode n = api.call("POST", "badmail/purge", Map.of(), b);
                    return Views.done(s, "/badmail", "Purged " + n.path("purged").asInt() + " item(s)");
                }
            }
        } catch (ApiCalls.Failed | IllegalArgumentException e) {
            return Views.failed(s, r.path().equals("/badmail/purge") ? "/badmail" : item, e.getMessage());
        }
    }
}
