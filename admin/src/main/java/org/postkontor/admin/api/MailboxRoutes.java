package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;

/**
 * {@code /api/v1/mailboxes/ADDRESS/uidls} (GET) and {@code .../messages?uidl=U} (POST, the raw
 * message as the body): what the mail importers need.
 */
record MailboxRoutes(Store store, ObjectMapper json) implements Routes {

    @Override
    public AdminApi.Reply handle(AdminApi.Request r, String m, String[] p) throws AdminError, StoreException {
        if (p.length != 3) {
            throw ApiInput.noRoute(r);
        }
        MailAddress mailbox = ApiInput.address(p[1]);
        if (store.admin().user(mailbox).isEmpty()) {
            throw AdminError.notFound("no user " + mailbox);
        }
        if (p[2].equals("uidls") && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            try (Maildrop drop = store.maildrops().open(mailbox)) {
                for (MaildropEntry e : drop.listing()) {
                    a.add(e.uidl());
                }
            }
            return Routes.ok(a);
        }
        if (p[2].equals("messages") && m.equals("POST")) {
            String uidl = r.query().get("uidl");
            if (!MaildropEntry.isValidUidl(uidl)) {
                throw AdminError.badInput("uidl must be 1 to 70 characters 0x21-0x7E");
            }
            Receipt receipt;
            try {
                receipt = store.spool().deliver(mailbox, uidl, r.body());
            } catch (ConflictException e) {
                // the mailbox has this UIDL already: an import run again, or two at once
                return Routes.ok(json.createObjectNode().put("uidl", uidl).put("skipped", true));
            }
            if (!receipt.refused().isEmpty()) {
                var why = receipt.refused().values().iterator().next();
                throw switch (why) {
                    case OVER_QUOTA -> new AdminError(409, "over_quota", mailbox + " is over its quota");
                    case DISABLED -> new AdminError(409, "disabled", mailbox + " is disabled");
                    case NO_SUCH_MAILBOX -> AdminError.notFound("no user " + mailbox);
                    case INSUFFICIENT_STORAGE -> new AdminError(507, "insufficient_storage",
                            "free-disk reserve reached");
                    case OK -> AdminError.unavailable("refused without a reason");
                };
            }
            return Routes.created(json.createObjectNode().put("uidl", uidl).put("queueId", receipt.queueId())
                    .put("octets", receipt.octets()));
        }
        throw ApiInput.noRoute(r);
    }
}
