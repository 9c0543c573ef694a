package org.postkontor.admin.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import org.postkontor.admin.api.Sizes;

/**
 * Domains (add, policy, remove, DNS records), users (add, password, quota, enable/disable, remove
 * keeping or deleting the mail) and aliases (set, remove): each form one admin API call, each list
 * one API read. The pages check only what the form's fields must look like; the API decides.
 */
final class AccountPages {

    private final ApiCalls api;
    private final Views views;

    AccountPages(ApiCalls api, Views views) {
        this.api = api;
        this.views = views;
    }

    Optional<Answer> handle(WebRequest r, Sessions.Session s) throws ApiCalls.Failed {
        boolean get = !r.method().equals("POST"); // GET or HEAD
        return Optional.ofNullable(switch (r.path()) {
            case "/domains" -> get ? views.render("domains", Views.page("Domains", "domains", s),
                    "domains", api.get("domains", Map.of())) : null;
            case "/domains/dns" -> get ? dns(r, s) : null;
            case "/users" -> get ? users(r, s) : null;
            case "/aliases" -> get ? views.render("aliases", Views.page("Aliases", "aliases", s),
                    "aliases", api.get("aliases", Map.of())) : null;
            default -> get ? null : post(r, s);
        });
    }

    private Answer dns(WebRequest r, Sessions.Session s) throws ApiCalls.Failed {
        String domain = r.param("name");
        JsonNode records = api.get("domains/" + encode(domain) + "/dns", Map.of());
        return views.render("dns", Views.page("DNS records", "domains", s), "domain", domain, "records", records);
    }

    private Answer users(WebRequest r, Sessions.Session s) throws ApiCalls.Failed {
        String domain = r.param("domain");
        JsonNode users = api.get("users", domain.isEmpty() ? Map.of() : Map.of("domain", domain));
        return views.render("users", Views.page("Users", "users", s), "users", users, "domain", domain);
    }

    /** A form: done, or back to its page with the API's message. Null for a path that is not a form here. */
    private Answer post(WebRequest r, Sessions.Session s) {
        String back = r.path().startsWith("/domains") ? "/domains" : r.path().startsWith("/users") ? "/users"
                : "/aliases";
        try {
            String message = switch (r.path()) {
                case "/domains/add" -> {
                    JsonNode n = api.call("POST", "domains", Map.of(), api.object().put("name", r.param("name")));
                    yield "Added " + n.path("name").asText() + ". Publish its DNS records next.";
                }
                case "/domains/policy" -> {
                    String policy = r.param("policy");
                    if (policy.equals("catch-all")) {
                        policy = "catch-all:" + localPart(r.param("user"));
                    }
                    JsonNode n = api.call("PUT", "domains/" + encode(r.param("name")) + "/policy", Map.of(),
                            api.object().put("policy", policy));
                    yield n.path("name").asText() + ": " + n.path("policy").asText();
                }
                case "/domains/remove" -> {
                    JsonNode n = api.call("DELETE", "domains/" + encode(r.param("name")),
                            r.param("force").equals("true") ? Map.of("force", "true") : Map.of(), null);
                    yield "Removed " + n.path("removed").asText();
                }
                case "/users/add" -> {
                    ObjectNode b = api.object().put("address", r.param("address")).put("password", r.raw("password"));
                    quota(r, b);
                    JsonNode n = api.call("POST", "users", Map.of(), b);
                    yield "Added " + n.path("address").asText();
                }
                case "/users/password" -> {
                    api.call("PUT", "users/" + encode(r.param("address")) + "/password", Map.of(),
                            api.object().put("password", r.raw("password")));
                    yield "New password set for " + r.param("address");
                }
                case "/users/quota" -> {
                    ObjectNode b = api.object();
                    quota(r, b);
                    api.call("PUT", "users/" + encode(r.param("address")) + "/quota", Map.of(), b);
                    yield "Quota of " + r.param("address") + " set";
                }
                case "/users/enabled" -> {
                    boolean on = r.param("enabled").equals("true");
                    api.call("PUT", "users/" + encode(r.param("address")) + "/enabled", Map.of(),
                            api.object().put("enabled", on));
                    yield r.param("address") + (on ? " enabled" : " disabled");
                }
                case "/users/remove" -> {
                    String mail = r.param("mail");
                    api.call("DELETE", "users/" + encode(r.param("address")), Map.of("mail", mail), null);
                    yield "Removed " + r.param("address") + (mail.equals("delete") ? " and its mail" : "; its mail is kept");
                }
                case "/aliases/set" -> {
                    ObjectNode b = api.object();
                    ArrayNode targets = b.putArray("targets");
                    for (String t : r.param("targets").split("[\\s,;]+")) {
                        if (!t.isEmpty()) {
                            targets.add(t);
                        }
                    }
                    api.call("PUT", "aliases/" + encode(r.param("address")), Map.of(), b);
                    yield "Alias " + r.param("address") + " set";
                }
                case "/aliases/remove" -> {
                    api.call("DELETE", "aliases/" + encode(r.param("address")), Map.of(), null);
                    yield "Removed alias " + r.param("address");
                }
                default -> null;
            };
            return message == null ? null : Views.done(s, back, message);
        } catch (ApiCalls.Failed e) {
            return Views.failed(s, back, e.getMessage());
        } catch (IllegalArgumentException e) {
            return Views.failed(s, back, e.getMessage());
        }
    }

    private static void quota(WebRequest r, ObjectNode b) {
        b.put("quotaBytes", r.param("quota").isEmpty() ? 0 : Sizes.parse(r.param("quota")));
        String messages = r.param("quotaMessages");
        try {
            b.put("quotaMessages", messages.isEmpty() ? 0 : Long.parseLong(messages));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the message quota must be a whole number (0: no limit)");
        }
    }

    private static String localPart(String user) {
        int at = user.lastIndexOf('@');
        return at < 0 ? user : user.substring(0, at);
    }

    /**
     * One path segment of an API call (a domain, an address): the API splits its decoded path at
     * {@code /}, so a name with one could reach another route; no valid name has one.
     */
    static String encode(String segment) {
        if (segment.isEmpty() || segment.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not a name: '" + segment.replace("/", "?") + "'");
        }
        return segment;
    }
}
