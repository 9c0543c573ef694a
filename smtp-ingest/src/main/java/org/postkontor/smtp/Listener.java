package org.postkontor.smtp;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * An SMTP listener that serves a {@link MailRole} (submission) instead of the MX's inbound
 * delivery, with authentication.
 *
 * @param name          the listener's name in logs and metrics ({@code submission}, {@code submissions})
 * @param tls           how TLS is had on it
 * @param authenticator checks AUTH PLAIN and LOGIN credentials; AUTH is offered only over TLS, and
 *                      MAIL is refused until it succeeded
 */
public record Listener(String name, Tls tls, Authenticator authenticator, MailRole role) {

    public Listener {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(role, "role");
    }

    /** How a client gets TLS on a listener. */
    public enum Tls {
        /** STARTTLS (RFC 3207), required before anything but EHLO, HELO, STARTTLS, NOOP, RSET and QUIT. */
        STARTTLS_REQUIRED,
        /** TLS from the first byte (RFC 8314 §3.3). */
        IMPLICIT
    }

    /** Checks one AUTH attempt. Throttling, delays and counting are its business. */
    @FunctionalInterface
    public interface Authenticator {
        /** The login it authenticated, or empty when refused. */
        Optional<String> authenticate(String login, String password, InetAddress client);
    }
}
