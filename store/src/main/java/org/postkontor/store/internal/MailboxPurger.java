package org.postkontor.store.internal;

import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;

/**
 * Deletes all entries of one mailbox, and the bodies no other entry refers to, durably. Used by
 * {@link JdbcAdministration#removeUser} with {@code deleteMail}. Implemented by the spool side of
 * the store (it owns the body files). Thread-safe.
 */
public interface MailboxPurger {

    /** Removes every entry of {@code mailbox} and the bodies left unreferenced; returns after it is durable. */
    void purge(MailAddress mailbox) throws StoreException;
}
