package org.postkontor.store;

/** No such mailbox (user). */
public class NoSuchMailboxException extends StoreException {
    public NoSuchMailboxException(String message) {
        super(message);
    }

    public NoSuchMailboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
