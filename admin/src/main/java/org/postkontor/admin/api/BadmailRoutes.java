package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import org.postkontor.badmail.BadmailDetail;
import org.postkontor.badmail.BadmailFilter;
import org.postkontor.badmail.BadmailPage;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.badmail.Redelivery;
import org.postkontor.badmail.UnresolvedRecipientException;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.StoreException;

/** {@code /api/v1/badmail...}: the badmail module's {@link BadmailQueue} operations. */
record BadmailRoutes(BadmailQueue badmail, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            BadmailFilter filter = new BadmailFilter(r.query().get("kind"), r.query().get("recipient"),
                    r.query().get("domain"), ApiInput.age(r.query().get("older-than")));
            int offset = ApiInput.intParam(r, "offset");
            int limit = ApiInput.intParam(r, "limit");
            ArrayNode a = json.createArrayNode();
            int max = badmail.config().maxPageSize();
            while (true) {
                int want = limit == 0 ? max : Math.min(max, limit - a.size());
                BadmailPage page = badmail.list(filter, offset, want);
                page.items().forEach(i -> a.add(itemJson(i)));
                offset += page.items().size();
                if (!page.more() || page.items().isEmpty() || limit > 0 && a.size() >= limit) {
                    break;
                }
            }
            return Routes.ok(a);
        }
        if (p.length == 2 && p[1].equals("purge") && m.equals("POST")) {
            JsonNode b = ApiInput.body(json, r);
            String olderThan = b.path("olderThan").asText(null);
            String reason = b.path("reason").asText(null);
            if (olderThan == null && reason == null) {
                throw AdminError.badInput("purge needs --older-than, --reason, or both");
            }
            int purged = badmail.purge(new BadmailFilter(reason, null, null, ApiInput.age(olderThan)));
            return Routes.ok(json.createObjectNode().put("purged", purged));
        }
        if (p.length >= 2) {
            String id = p[1];
            if (p.length == 2 && m.equals("GET")) {
                BadmailDetail d = badmail.show(id);
                ObjectNode o = itemJson(d.item());
                ArrayNode h = o.putArray("headers");
                d.headers().forEach(x -> h.addObject().put("name", x.name()).put("value", x.value()));
                o.put("headersTruncated", d.truncated());
                return Routes.ok(o);
            }
            if (p.length == 2 && m.equals("DELETE")) {
                if (!badmail.delete(id)) {
                    throw AdminError.notFound("no badmail item " + id);
                }
                return Routes.ok(json.createObjectNode().put("removed", id));
            }
            if (p.length == 3 && p[2].equals("raw") && m.equals("GET")) {
                return new AdminApi.RawReply(200, "message/rfc822", badmail.openOriginal(id));
            }
            if (p.length == 3 && p[2].equals("redeliver") && m.equals("POST")) {
                String to = ApiInput.body(json, r).path("to").asText(null);
                Redelivery rd;
                try {
                    rd = badmail.redeliver(id, to == null ? List.of() : List.of(ApiInput.address(to)));
                } catch (UnresolvedRecipientException e) {
                    throw AdminError.notFound("no local mailbox for " + String.join(", ", e.recipients())
                            + "; the item stays in badmail (redeliver it --to a corrected address)");
                }
                ObjectNode n = json.createObjectNode().put("redelivered", id);
                rd.queueId().ifPresent(q -> n.put("queueId", q));
                ArrayNode d = n.putArray("to");
                rd.delivered().forEach(x -> d.add(x.toString()));
                ObjectNode refused = n.putObject("refused");
                rd.refused().forEach((k, v) -> refused.put(k.toString(), v.name()));
                rd.remainder().ifPresent(x -> n.put("remainder", x));
                if (!rd.removed()) {
                    throw AdminError.conflict("not delivered: " + rd.refused() + "; the item stays in badmail");
                }
                return Routes.ok(n);
            }
        }
        throw ApiInput.noRoute(r);
    }

    private ObjectNode itemJson(BadmailItem i) {
        ObjectNode o = json.createObjectNode().put("id", i.id()).put("octets", i.octets());
        ObjectNode e = o.putObject("envelope");
        e.put("sender", i.envelope().sender());
        ArrayNode rc = e.putArray("recipients");
        i.envelope().recipients().forEach(rc::add);
        e.put("clientAddress", i.envelope().clientAddress()).put("helo", i.envelope().helo())
                .put("received", String.valueOf(i.envelope().received()));
        ObjectNode rs = o.putObject("reason");
        rs.put("kind", i.reason().kind()).put("code", i.reason().code())
                .put("enhancedStatus", i.reason().enhancedStatus()).put("text", i.reason().text())
                .put("at", String.valueOf(i.reason().at()));
        return o;
    }
}
