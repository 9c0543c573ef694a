package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.StoreException;

/**
 * {@code /api/v1/queue...}: the outbound queue: list, show (envelope, each recipient's state and
 * the message's header), retry now, delete (no bounce is sent).
 */
record QueueRoutes(OutboundQueue queue, ObjectMapper json) implements Routes {

    /** The header shown by {@code show}, at most. */
    static final int MAX_HEADER = 64 * 1024;

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            for (QueuedMessage q : queue.list()) {
                a.add(messageJson(q));
            }
            return Routes.ok(a);
        }
        if (p.length < 2) {
            throw ApiInput.noRoute(r);
        }
        String id = p[1];
        if (p.length == 2 && m.equals("GET")) {
            QueuedMessage q = queue.get(id).orElseThrow(() -> AdminError.notFound("no queued message " + id));
            ObjectNode o = messageJson(q);
            try (InputStream in = queue.open(id)) {
                String head = new String(in.readNBytes(MAX_HEADER), StandardCharsets.ISO_8859_1);
                int end = head.indexOf("\r\n\r\n");
                o.put("header", end >= 0 ? head.substring(0, end + 2) : head);
            }
            return Routes.ok(o);
        }
        if (p.length == 2 && m.equals("DELETE")) {
            if (!queue.delete(id)) {
                throw AdminError.notFound("no queued message " + id);
            }
            return Routes.ok(json.createObjectNode().put("removed", id));
        }
        if (p.length == 3 && p[2].equals("retry") && m.equals("POST")) {
            if (!queue.retryNow(id)) {
                throw AdminError.notFound("no queued message " + id);
            }
            return Routes.ok(json.createObjectNode().put("retry", id));
        }
        throw ApiInput.noRoute(r);
    }

    private ObjectNode messageJson(QueuedMessage q) {
        ObjectNode o = json.createObjectNode().put("id", q.id()).put("sender", q.sender())
                .put("arrived", q.arrived().toString()).put("octets", q.octets()).put("warned", q.warned());
        q.nextAttempt().ifPresent(t -> o.put("nextAttempt", t.toString()));
        ArrayNode rs = o.putArray("recipients");
        for (OutboundQueue.Recipient x : q.recipients()) {
            rs.addObject().put("address", x.address()).put("state", x.state().name().toLowerCase(java.util.Locale.ROOT))
                    .put("attempts", x.attempts()).put("nextAttempt", x.nextAttempt().toString())
                    .put("lastReply", x.lastReply());
        }
        return o;
    }
}
