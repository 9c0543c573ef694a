package org.postkontor.deploy.tls;

/** The certificate or key cannot be used; the message names the file and the reason. */
public final class TlsException extends Exception {
    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
