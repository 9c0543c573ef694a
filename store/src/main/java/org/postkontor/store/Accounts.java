package org.postkontor.store;

import java.util.Optional;

/** Authentication for POP3. Thread-safe. */
public interface Accounts {

    /**
     * Checks a login name (the full address, {@code user@domain}) and password. On success with a
     * hash in an old scheme, rehashes to the current one (and stores SCRAM keys) before returning.
     * Takes no deliberate delay: throttling is the protocol's business.
     *
     * @return the mailbox, or empty for an unknown user, a wrong password or a disabled user
     */
    Optional<MailAddress> authenticate(String login, char[] password) throws StoreException;

    /**
     * The SCRAM-SHA-256 keys of an enabled user, or empty (unknown, disabled, or no keys yet because
     * the hash was imported and the user has not logged in with a plaintext mechanism since).
     */
    Optional<ScramCredential> scramCredential(String login) throws StoreException;

    /** The mailbox a login name maps to, for an enabled user. */
    Optional<MailAddress> mailboxOf(String login) throws StoreException;
}
