package org.postkontor.store;

/** An admin operation names a domain, user, alias or badmail item that does not exist. */
public class NotFoundException extends StoreException {
    public NotFoundException(String message) {
        super(message);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
