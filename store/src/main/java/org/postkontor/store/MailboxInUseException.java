package org.postkontor.store;

/** The maildrop lock is held by another session (POP3 [IN-USE]). */
public class MailboxInUseException extends StoreException {
    public MailboxInUseException(String message) {
        super(message);
    }

    public MailboxInUseException(String message, Throwable cause) {
        super(message, cause);
    }
}
