package org.postkontor.store;

/**
 * The one exception family at the store's boundary. A plain {@code StoreException} means the store
 * cannot do it now (I/O, database): SMTP answers 451 4.3.0, POP3 -ERR [SYS/TEMP]. Subclasses name
 * the cases a protocol answers differently. Messages are for logs, never for the client.
 */
public class StoreException extends Exception {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
