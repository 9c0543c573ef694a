package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.util.Arrays;
import org.postkontor.store.StoreException;
import org.postkontor.store.WebUsers;

/**
 * {@code /api/v1/web-users...}: the people who log in to the web admin page: list, add, password,
 * remove. Passwords follow the {@link PasswordPolicy} of mail users.
 */
record WebUserRoutes(WebUsers users, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            for (WebUsers.WebUser u : users.list()) {
                a.addObject().put("name", u.name()).put("created", u.created().toString());
            }
            return Routes.ok(a);
        }
        if (p.length == 1 && m.equals("POST")) {
            JsonNode b = ApiInput.body(json, r);
            String name = WebUsers.normalize(ApiInput.text(b, "name"));
            char[] pw = ApiInput.password(b);
            PasswordPolicy.check(name, pw);
            users.add(name, pw);
            Arrays.fill(pw, '\0');
            return Routes.created(json.createObjectNode().put("name", name));
        }
        if (p.length == 3 && p[2].equals("password") && m.equals("PUT")) {
            String name = WebUsers.normalize(p[1]);
            char[] pw = ApiInput.password(ApiInput.body(json, r));
            PasswordPolicy.check(name, pw);
            users.setPassword(name, pw);
            Arrays.fill(pw, '\0');
            return Routes.ok(json.createObjectNode().put("name", name));
        }
        if (p.length == 2 && m.equals("DELETE")) {
            String name = WebUsers.normalize(p[1]);
            users.remove(name);
            return Routes.ok(json.createObjectNode().put("removed", name));
        }
        throw ApiInput.noRoute(r);
    }
}
