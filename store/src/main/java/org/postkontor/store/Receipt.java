package org.postkontor.store;

import java.util.Map;
import java.util.Set;

/**
 * What {@link Spool#deliver} did.
 *
 * @param queueId  id of the stored message (logs and trace headers; the same for every entry)
 * @param octets   size of the stored message as POP3 counts it, before the per-entry
 *                 {@code Delivered-To:} line
 * @param delivered mailboxes that now list the message
 * @param refused  mailboxes that could not take it, and why (never {@code OK})
 */
public record Receipt(String queueId, long octets, Set<MailAddress> delivered,
                      Map<MailAddress, DeliveryCheck> refused) {
    public Receipt {
        delivered = Set.copyOf(delivered);
        refused = Map.copyOf(refused);
        if (refused.containsValue(DeliveryCheck.OK)) {
            throw new IllegalArgumentException("a refusal needs a reason");
        }
    }
}
