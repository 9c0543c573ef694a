package org.postkontor.submit;

import java.util.Locale;

/**
 * What submission reports; bound to Prometheus in {@code deploy}. Every method has a no-op default,
 * is called from session threads concurrently and must not block. Labels are fixed sets, never a
 * user or an address.
 */
public interface SubmissionMetrics {

    SubmissionMetrics NOOP = new SubmissionMetrics() {};

    /** An AUTH attempt ended this way. */
    default void login(LoginResult result) {}

    /** A message was accepted for this many local and remote recipients. */
    default void submitted(int localRecipients, int remoteRecipients) {}

    /** A sender (envelope or From header) the user does not own was refused (553 5.7.1). */
    default void senderRefused() {}

    /** A user's hourly limit refused a message or a recipient. */
    default void rateLimited(Limit limit) {}

    /** A message was signed with DKIM by this algorithm ({@code rsa-sha256}, {@code ed25519-sha256}). */
    default void dkimSigned(String algorithm) {}

    enum LoginResult {
        SUCCESS, FAILURE, THROTTLED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    enum Limit {
        MESSAGES, RECIPIENTS;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
