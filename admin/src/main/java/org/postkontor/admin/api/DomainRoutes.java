package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import org.postkontor.store.Administration;
import org.postkontor.store.Administration.DomainInfo;
import org.postkontor.store.MailAddress;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreException;

/** {@code /api/v1/domains...}: list, add, remove, the policy for unknown local parts, the DNS records to publish. */
record DomainRoutes(Administration admin, ClientSetup clients, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            for (DomainInfo d : admin.domains()) {
                a.addObject().put("name", d.name()).put("policy", d.policy().text()).put("users", d.users())
                        .put("aliases", d.aliases());
            }
            return Routes.ok(a);
        }
        if (p.length == 1 && m.equals("POST")) {
            String name = ApiInput.domain(ApiInput.text(ApiInput.body(json, r), "name"));
            admin.addDomain(name);
            return Routes.created(json.createObjectNode().put("name", name));
        }
        if (p.length == 2 && m.equals("DELETE")) {
            String name = ApiInput.domain(p[1]);
            admin.removeDomain(name, ApiInput.flag(r, "force"));
            return Routes.ok(json.createObjectNode().put("removed", name));
        }
        if (p.length == 3 && p[2].equals("dns") && m.equals("GET")) {
            String name = ApiInput.domain(p[1]);
            requireHosted(admin, name, "");
            ArrayNode a = json.createArrayNode();
            for (DnsRecords.Record rec : DnsRecords.of(name, clients)) {
                a.addObject().put("name", rec.name()).put("type", rec.type()).put("value", rec.value())
                        .put("purpose", rec.purpose());
            }
            return Routes.ok(a);
        }
        if (p.length == 3 && p[2].equals("policy") && m.equals("PUT")) {
            String name = ApiInput.domain(p[1]);
            RecipientPolicy policy = RecipientPolicy.parse(ApiInput.text(ApiInput.body(json, r), "policy"));
            if (policy instanceof RecipientPolicy.CatchAll c) {
                MailAddress target = new MailAddress(c.localPart(), name);
                if (admin.user(target).isEmpty()) {
                    throw AdminError.notFound("catch-all user " + target + " does not exist");
                }
            }
            admin.setPolicy(name, policy);
            return Routes.ok(json.createObjectNode().put("name", name).put("policy", policy.text()));
        }
        throw ApiInput.noRoute(r);
    }

    /**
     * Refuses a domain that is not hosted, naming it and how to add it.
     *
     * @param prefix put before the message, e.g. the import line it comes from; may be empty
     */
    static void requireHosted(Administration admin, String domain, String prefix) throws AdminError, StoreException {
        if (admin.domains().stream().noneMatch(d -> d.name().equals(domain))) {
            throw AdminError.notFound(prefix + "unknown domain " + domain + " (add it first: admin domain add "
                    + domain + ")");
        }
    }
}
