package org.postkontor.pop3;

/**
 * What the POP3 server reports; bound to Prometheus in {@code deploy}. Every method has a no-op
 * default and may be called from any thread, so implementations must be thread-safe. Labels are
 * fixed small words, never a user or an address.
 */
public interface Pop3Metrics {

    Pop3Metrics NOOP = new Pop3Metrics() {};

    /** A connection was accepted and got its greeting. {@code listener} is {@code plain} or {@code tls}. */
    default void sessionOpened(String listener) {}

    /**
     * A session ended. {@code how}: {@code quit}, {@code quit_error}, {@code client_closed},
     * {@code idle_timeout}, {@code shutdown}, {@code too_many_errors}, {@code tls_failed},
     * {@code error}.
     */
    default void sessionClosed(String how) {}

    /**
     * A connection was refused before the greeting. {@code reason}: {@code max_connections},
     * {@code max_per_address}, {@code other} (no valid PROXY header with {@code pop3.proxy-protocol}).
     */
    default void connectionRefused(String reason) {}

    /**
     * A login attempt ended. {@code mechanism}: {@code user} (USER/PASS), {@code plain},
     * {@code login}, {@code scram_sha_256}. {@code result}: {@code success}, {@code bad_credentials},
     * {@code throttled}, {@code in_use}, {@code login_delay}, {@code plaintext_refused},
     * {@code store_error}.
     */
    default void login(String mechanism, String result) {}

    /** A message was sent in full by RETR ({@code octets} as counted by LIST). */
    default void retrieved(long octets) {}

    /** TOP sent part of a message. */
    default void top() {}

    /** QUIT expunged this many messages (including EXPIRE removals). */
    default void deleted(int messages) {}

    /** A login found the maildrop locked by another session ([IN-USE]). */
    default void lockConflict() {}

    /** A TLS handshake finished; {@code protocol} as the engine names it, e.g. {@code TLSv1.3}. */
    default void tlsHandshake(String protocol) {}

    /** A TLS handshake failed (bad client hello, old protocol, timeout). */
    default void tlsHandshakeFailed() {}
}
