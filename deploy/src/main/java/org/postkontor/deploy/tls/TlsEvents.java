package org.postkontor.deploy.tls;

import java.security.cert.X509Certificate;

/** What the TLS layer reports (bound to Prometheus in {@code deploy.metrics}). No-op defaults. */
public interface TlsEvents {

    TlsEvents NOOP = new TlsEvents() {};

    /** A server handshake completed on {@code service} ({@code smtp}, {@code pop3}, {@code pop3s}) with {@code protocol} ({@code TLSv1.3}). */
    default void handshake(String service, String protocol) {}

    /** A server handshake failed on {@code service}. */
    default void handshakeFailed(String service) {}

    /** The certificate now presented (at start and after each reload). */
    default void certificate(X509Certificate leaf) {}

    /** A reload after a file change succeeded or failed (a failure keeps the old certificate). */
    default void reloaded(boolean success) {}
}
