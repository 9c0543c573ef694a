package org.postkontor.badmail;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.MailAddress;

/**
 * What {@link BadmailQueue#redeliver} did.
 *
 * @param itemId     the badmail item redelivered
 * @param queueId    the spool's id of the stored message; empty if nothing was delivered
 * @param delivered  mailboxes that now list the message
 * @param refused    mailboxes that could not take it now, and why
 * @param remainder  if some mailboxes refused while others took it: the new badmail item that
 *                   holds the original for the refused recipients (the old item is removed)
 */
public record Redelivery(String itemId, Optional<String> queueId, List<MailAddress> delivered,
                         Map<MailAddress, DeliveryCheck> refused, Optional<String> remainder) {
    public Redelivery {
        delivered = List.copyOf(delivered);
        refused = Map.copyOf(refused);
    }

    /** True if the item left badmail: every mailbox took the message, or a remainder item holds the rest. */
    public boolean removed() {
        return !delivered.isEmpty();
    }
}
