package org.postkontor.store.internal.accounts;

import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;

/** What the administration needs of the mail half of a store: usage for listings, and purging. */
public interface Mailboxes {

    /** Entries and their octets in a mailbox (zeros for one with none). */
    Usage usage(String mailbox) throws StoreException;

    /** Removes every entry of the mailbox for good. */
    void purge(MailAddress mailbox) throws StoreException;

    /** Messages (stored once each), entries, and the messages' octets, in the whole store. */
    Totals totals() throws StoreException;

    record Usage(long messages, long octets) {}

    record Totals(long messages, long entries, long octets) {}
}
