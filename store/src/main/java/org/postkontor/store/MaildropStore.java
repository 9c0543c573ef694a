package org.postkontor.store;

/** Opens maildrops for POP3. Thread-safe. */
public interface MaildropStore {

    /**
     * Takes the mailbox's exclusive lock and returns a snapshot of its entries.
     *
     * <p>The lock is held until {@link Maildrop#close()}. A lock left by a process that died is
     * recovered (never blocks forever).
     *
     * @throws MailboxInUseException the lock is held by another session ([IN-USE])
     * @throws NoSuchMailboxException no such mailbox
     */
    Maildrop open(MailAddress mailbox) throws StoreException;
}
