package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.badmail.BadmailStatus;
import org.postkontor.store.Administration.DomainInfo;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreStats;

/** {@code GET /api/v1/status}: version, mode, listeners, store and disk sizes, badmail, outbound queue, backups, counts. */
record StatusRoutes(Store store, BadmailQueue badmail, AdminApi.ApplianceState listeners, String mode, ObjectMapper json)
        implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p) throws AdminError, StoreException {
        ApiInput.expect(m, "GET", p, 1);
        return Routes.ok(status());
    }

    private ObjectNode status() throws StoreException {
        ObjectNode n = json.createObjectNode();
        n.put("version", AdminApi.version());
        n.put("mode", mode);
        ArrayNode ls = n.putArray("listeners");
        for (AdminApi.Listener l : listeners.listeners()) {
            ls.addObject().put("name", l.name()).put("address", l.address()).put("port", l.port()).put("tls", l.tls());
        }
        StoreStats s = store.admin().stats();
        ObjectNode st = n.putObject("store");
        st.put("messages", s.messages()).put("entries", s.entries()).put("octets", s.octets())
                .put("indexSizeBytes", s.indexSizeBytes());
        ObjectNode disk = n.putObject("freeDisk");
        disk.put("spool", s.spoolFreeBytes()).put("index", s.indexFreeBytes()).put("badmail", s.badmailFreeBytes());
        BadmailStatus b = badmail.status();
        ObjectNode bn = n.putObject("badmail");
        bn.put("items", b.items()).put("octets", b.octets()).put("maxOctets", b.maxTotalBytes());
        b.oldestAge().ifPresentOrElse(o -> bn.put("oldestAgeSeconds", o.toSeconds()),
                () -> bn.putNull("oldestAgeSeconds"));
        listeners.backups().ifPresentOrElse(k -> {
            ObjectNode kn = n.putObject("backup");
            kn.put("dir", k.dir());
            kn.put("lastComplete", k.lastComplete().map(Object::toString).orElse(null));
            kn.put("lastFailure", k.lastFailure().map(Object::toString).orElse(null));
        }, () -> n.putNull("backup"));
        OutboundQueue.Totals q = store.outbound().totals();
        ObjectNode qn = n.putObject("queue");
        qn.put("messages", q.messages()).put("octets", q.octets());
        q.oldest().ifPresentOrElse(o -> qn.put("oldestAgeSeconds",
                Math.max(0, java.time.Duration.between(o, java.time.Instant.now()).toSeconds())),
                () -> qn.putNull("oldestAgeSeconds"));
        List<DomainInfo> domains = store.admin().domains();
        n.put("domains", domains.size());
        n.put("users", domains.stream().mapToInt(DomainInfo::users).sum());
        return n;
    }
}
