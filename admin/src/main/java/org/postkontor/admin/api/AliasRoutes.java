package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postkontor.store.Administration;
import org.postkontor.store.Administration.Alias;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;

/** {@code /api/v1/aliases...}: list, set (replaces), remove. */
record AliasRoutes(Administration admin, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            for (Alias al : admin.aliases(Optional.ofNullable(r.query().get("domain")).map(ApiInput::domain))) {
                a.add(aliasJson(al));
            }
            return Routes.ok(a);
        }
        if (p.length == 2 && (m.equals("PUT") || m.equals("POST"))) {
            MailAddress alias = ApiInput.address(p[1]);
            JsonNode b = ApiInput.body(json, r);
            JsonNode t = b.get("targets");
            if (t == null || !t.isArray() || t.isEmpty()) {
                throw AdminError.badInput("an alias needs one or more target users");
            }
            List<MailAddress> targets = new ArrayList<>();
            for (JsonNode x : t) {
                MailAddress target = ApiInput.address(x.asText());
                if (admin.user(target).isEmpty()) {
                    throw AdminError.notFound("target user " + target + " does not exist");
                }
                if (!targets.contains(target)) {
                    targets.add(target);
                }
            }
            DomainRoutes.requireHosted(admin, alias.domain(), "");
            admin.addAlias(alias, targets);
            return Routes.created(aliasJson(new Alias(alias, targets)));
        }
        if (p.length == 2 && m.equals("DELETE")) {
            MailAddress alias = ApiInput.address(p[1]);
            admin.removeAlias(alias);
            return Routes.ok(json.createObjectNode().put("removed", alias.toString()));
        }
        throw ApiInput.noRoute(r);
    }

    private ObjectNode aliasJson(Alias al) {
        ObjectNode o = json.createObjectNode().put("address", al.address().toString());
        ArrayNode t = o.putArray("targets");
        al.targets().forEach(x -> t.add(x.toString()));
        return o;
    }
}
