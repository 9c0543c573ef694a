package org.postkontor.store;

/** The free-disk reserve is reached (SMTP 452 4.3.1). */
public class InsufficientStorageException extends StoreException {
    public InsufficientStorageException(String message) {
        super(message);
    }

    public InsufficientStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
