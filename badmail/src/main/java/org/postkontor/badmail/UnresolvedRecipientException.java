package org.postkontor.badmail;

import java.util.List;
import org.postkontor.store.StoreException;

/**
 * Redelivery refused before anything was delivered: these recipients do not resolve to a local
 * mailbox now (unknown user, dangling alias, not a hosted domain, or not an address). The item
 * stays; redeliver it to a corrected address.
 */
public class UnresolvedRecipientException extends StoreException {

    private final List<String> recipients;

    public UnresolvedRecipientException(List<String> recipients) {
        super("no local mailbox for " + recipients.size() + " recipient(s)");
        this.recipients = List.copyOf(recipients);
    }

    /** The recipients as given (envelope or corrected address). */
    public List<String> recipients() {
        return recipients;
    }
}
