package org.postkontor.store;

/** An admin operation conflicts with what exists (duplicate, domain still has users, ...). */
public class ConflictException extends StoreException {
    public ConflictException(String message) {
        super(message);
    }

    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
