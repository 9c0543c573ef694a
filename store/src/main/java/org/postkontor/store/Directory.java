package org.postkontor.store;

/**
 * Read side of domains, users and aliases, for SMTP's RCPT. Thread-safe; every call reads the
 * current index (admin changes are seen by the next call).
 */
public interface Directory {

    /** Is this domain (normalized by {@link MailAddress#normalizeDomain}) hosted here? */
    boolean isHosted(String domain) throws StoreException;

    /**
     * Resolves an exact address: a user, else an alias, else the domain's unknown-recipient
     * policy. Plus-addressing is the caller's business (it resolves {@code user+tag} first, then
     * {@code user}). Disabled users resolve as {@link Resolution.Local}; {@link Spool#check} says
     * whether they take mail.
     */
    Resolution resolve(MailAddress recipient) throws StoreException;
}
