package org.postkontor.store;

import java.io.InputStream;
import java.util.Collection;

/**
 * Durable delivery of one message into one or more local mailboxes.
 *
 * <p>{@link #deliver} returns only when the message is durable: written to a temp file, fsynced,
 * moved atomically into place on the same volume, its directory fsynced, and indexed; a crash at
 * any moment after it returns loses nothing, and a crash before it returns leaves nothing that a
 * maildrop lists. Concurrent calls share fsyncs (group commit). Thread-safe.
 */
public interface Spool {

    /**
     * Is this mailbox able to take a message of about {@code sizeHint} octets now (0 when
     * unknown)? For SMTP's RCPT (452 4.2.2, 452 4.3.1, 550 5.2.1) before the data arrives.
     */
    DeliveryCheck check(MailAddress mailbox, long sizeHint) throws StoreException;

    /**
     * Stores {@code message} once for all {@code mailboxes} and indexes one entry per mailbox.
     *
     * <p>The stream is read to its end and not closed. Line ends are normalized to CRLF (a lone LF
     * or lone CR becomes CRLF) and a last line without a line end gets CRLF, so that the octets
     * POP3 counts are the octets it sends. Each entry
     * is served with a {@code Delivered-To: <mailbox>} header line before the stored bytes, without
     * writing the message once per mailbox; that line is part of the entry's octet count.
     *
     * <p>Mailboxes that cannot take the message (over quota, disabled, removed since RCPT) are
     * reported in the receipt and get no entry. If none can take it, nothing is stored.
     *
     * @throws InsufficientStorageException the free-disk reserve would be crossed (452 4.3.1)
     * @throws StoreException the store cannot take mail now (451 4.3.0); nothing was stored
     */
    Receipt deliver(Collection<MailAddress> mailboxes, InputStream message) throws StoreException;

    /** Like {@link #deliver}, with UIDLs chosen by the caller (imports that keep old UIDLs). */
    Receipt deliver(MailAddress mailbox, String uidl, InputStream message) throws StoreException;
}
