package org.postkontor.pop3;

import org.postkontor.store.StoreException;

/**
 * One SASL authentication in progress (RFC 5034). Call order: {@link #start(byte[])} once with the
 * initial response (null when the client sent none), then {@link #respond(byte[])} with each client
 * response, until a step other than {@link SaslStep.Challenge} comes back. Not thread-safe; belongs
 * to one session.
 */
public interface SaslExchange {

    /** The mechanism's metrics label, e.g. {@code plain}. */
    String label();

    SaslStep start(byte[] initialResponse) throws StoreException;

    SaslStep respond(byte[] response) throws StoreException;

    /** What an exchange step asks the session to do next. */
    sealed interface SaslStep {

        /** Send {@code + base64(data)} and wait for the next response. */
        record Challenge(byte[] data) implements SaslStep {}

        /** PLAIN and LOGIN: the session checks these with {@code Accounts.authenticate}. */
        record Credentials(String login, char[] password) implements SaslStep {}

        /** SCRAM: the proof was right; the session logs {@code login} in. */
        record Verified(String login) implements SaslStep {}

        /**
         * The exchange failed. {@code badCredentials} counts as a failed login (delay, limits);
         * otherwise it was malformed. {@code login} may be null.
         */
        record Failed(String login, boolean badCredentials, String text) implements SaslStep {}
    }
}
