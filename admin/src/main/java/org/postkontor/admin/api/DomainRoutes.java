package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.postkontor.store.Administration;
import org.postkontor.store.Administration.DomainInfo;
import org.postkontor.store.DkimKey;
import org.postkontor.store.DkimKeys;
import org.postkontor.store.MailAddress;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreException;

/**
 * {@code /api/v1/domains...}: list, add, remove, the policy for unknown local parts, the DKIM keys
 * ({@code POST .../dkim} makes an RSA and an Ed25519 key) and the DNS records to publish.
 *
 * @param clients what mail clients are told (the mail host the MX and MTA-STS records point at)
 */
record DomainRoutes(Administration admin, DkimKeys dkim, ClientSetup clients, Clock clock, ObjectMapper json)
        implements Routes {

    private static final DateTimeFormatter SELECTOR_DATE = DateTimeFormatter.ofPattern("yyyyMMdd")
            .withZone(ZoneOffset.UTC);

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
        if (p.length == 3 && p[2].equals("dkim") && m.equals("POST")) {
            String name = ApiInput.domain(p[1]);
            requireHosted(admin, name, "");
            List<DkimKey> existing = dkim.keys(name);
            if (!existing.isEmpty() && !ApiInput.flag(r, "new")) {
                throw AdminError.conflict(name + " has DKIM keys already (" + existing.stream()
                        .map(DkimKey::selector).collect(java.util.stream.Collectors.joining(", "))
                        + "); --new makes new ones, signed with from now on");
            }
            Instant now = clock.instant();
            String base = selectorBase(now, existing);
            List<DnsRecords.Record> made = new java.util.ArrayList<>();
            for (DkimKey.Algorithm alg : DkimKey.Algorithm.values()) {
                DkimKey k = DkimKey.generate(name, base + (alg == DkimKey.Algorithm.RSA_SHA256 ? "r" : "e"), alg, now);
                dkim.put(k);
                made.add(DnsRecords.dkim(k));
            }
            return new AdminApi.JsonReply(201, recordsJson(made));
        }
        if (p.length == 3 && p[2].equals("dns") && m.equals("GET")) {
            String name = ApiInput.domain(p[1]);
            requireHosted(admin, name, "");
            List<DkimKey> keys = dkim.signing(name);
            String stsId = keys.isEmpty() ? "1" : SELECTOR_DATE.format(keys.get(0).created());
            return Routes.ok(recordsJson(DnsRecords.of(name, clients, keys, stsId)));
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

    private ArrayNode recordsJson(List<DnsRecords.Record> records) {
        ArrayNode a = json.createArrayNode();
        for (DnsRecords.Record rec : records) {
            a.addObject().put("name", rec.name()).put("type", rec.type()).put("value", rec.value())
                    .put("purpose", rec.purpose());
        }
        return a;
    }

    /** {@code pk<yyyyMMdd>}, with {@code -1}, {@code -2} ... when keys of that day exist already. */
    private static String selectorBase(Instant now, List<DkimKey> existing) {
        String day = "pk" + SELECTOR_DATE.format(now);
        for (int n = 0; ; n++) {
            String candidate = n == 0 ? day : day + "-" + n;
            if (existing.stream().noneMatch(k -> k.selector().startsWith(candidate))) {
                return candidate;
            }
        }
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
