package org.postkontor.smtp.internal;

import org.postkontor.badmail.ReasonKind;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.StoreException;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;

/**
 * Every refusal Postkontor itself sends, and the one mapping from store outcomes to SMTP replies.
 * Text is fixed: never an exception's message, never client input.
 */
public record Reply(int code, String enhanced, String text, Reason reason) {

    public static final Reply RELAY_DENIED = new Reply(554, "5.7.1", "Relaying denied", Reason.RELAY_DENIED);
    public static final Reply UNKNOWN_USER = new Reply(550, "5.1.1", "No such user here", Reason.UNKNOWN_USER);
    public static final Reply BAD_RECIPIENT_SYNTAX =
            new Reply(501, "5.1.3", "Bad recipient address syntax", Reason.SYNTAX);
    public static final Reply MAILBOX_DISABLED =
            new Reply(550, "5.2.1", "Mailbox disabled, not accepting messages", Reason.MAILBOX_DISABLED);
    public static final Reply OVER_QUOTA = new Reply(452, "4.2.2", "Mailbox full, try again later", Reason.OVER_QUOTA);
    public static final Reply INSUFFICIENT_STORAGE =
            new Reply(452, "4.3.1", "Insufficient system storage, try again later", Reason.INSUFFICIENT_STORAGE);
    public static final Reply STORE_FAILURE =
            new Reply(451, "4.3.0", "Local error in processing, try again later", Reason.STORE_ERROR);
    public static final Reply TOO_BIG =
            new Reply(552, "5.3.4", "Message size exceeds fixed maximum message size", Reason.MESSAGE_TOO_BIG);
    public static final Reply TOO_MANY_RECIPIENTS =
            new Reply(452, "4.5.3", "Too many recipients", Reason.TOO_MANY_RECIPIENTS);
    public static final Reply LOOP = new Reply(554, "5.4.6", "Routing loop detected: too many Received headers", Reason.LOOP);
    public static final Reply LINE_TOO_LONG =
            new Reply(552, "5.6.0", "Message has a line longer than allowed", Reason.SYNTAX);
    public static final Reply COMMAND_LINE_TOO_LONG = new Reply(500, "5.5.2", "Line too long", Reason.SYNTAX);
    public static final Reply NUL_IN_DATA = new Reply(554, "5.6.0", "Message contains NUL characters", Reason.SYNTAX);
    public static final Reply DATA_TIMEOUT =
            new Reply(421, "4.4.2", "Timeout waiting for data, closing connection", Reason.TIMEOUT);
    public static final Reply CONNECTION_LOST =
            new Reply(421, "4.4.2", "Connection lost during data transfer", Reason.OTHER);
    public static final Reply SESSION_TOO_LONG =
            new Reply(421, "4.4.2", "Session time limit reached, closing connection", Reason.TIMEOUT);
    public static final Reply TOO_MANY_CONNECTIONS =
            new Reply(421, "4.7.0", "Too many connections, try again later", Reason.TOO_MANY_CONNECTIONS);
    public static final Reply TOO_MANY_ERRORS =
            new Reply(421, "4.7.0", "Too many errors, closing connection", Reason.TOO_MANY_ERRORS);
    public static final Reply PROXY_REQUIRED =
            new Reply(421, "4.7.0", "PROXY protocol header missing or invalid", Reason.OTHER);

    /** A client listed in a DNSBL zone (Postfix's wording; the zone and address are from config and the socket). */
    public static Reply dnsbl(java.net.InetAddress client, String zone) {
        return new Reply(554, "5.7.1", "Service unavailable; client [" + client.getHostAddress() + "] blocked using "
                + zone, Reason.DNSBL);
    }

    /** The reply line: {@code 550 5.1.1 No such user here}. */
    public String line() {
        return code + " " + enhanced + " " + text;
    }

    /** What a {@code MessageHandler} throws to send this reply and keep the session. */
    public RejectException reject() {
        return new RejectException(code, enhanced + " " + text);
    }

    /** What a {@code MessageHandler} throws to send this reply and close the connection. */
    public DropConnectionException drop() {
        return new DropConnectionException(code, enhanced + " " + text);
    }

    public boolean permanent() {
        return code >= 500;
    }

    /** A store failure at RCPT or data time. */
    public static Reply forStore(StoreException e) {
        return e instanceof InsufficientStorageException ? INSUFFICIENT_STORAGE : STORE_FAILURE;
    }

    /**
     * Buffering the data in smtp.temp-dir failed: a full volume (ENOSPC or EDQUOT, as the JDK
     * reports them on Linux) is 452 4.3.1, anything else 451 4.3.0.
     */
    public static Reply forTempFile(java.io.IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    ? f.getReason() + " " + t.getMessage() : t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return INSUFFICIENT_STORAGE;
            }
        }
        return STORE_FAILURE;
    }

    /** A mailbox that cannot take mail now ({@link DeliveryCheck#OK} has no reply). */
    public static Reply forCheck(DeliveryCheck check) {
        return switch (check) {
            case OVER_QUOTA -> OVER_QUOTA;
            case DISABLED -> MAILBOX_DISABLED;
            case NO_SUCH_MAILBOX -> UNKNOWN_USER;
            case INSUFFICIENT_STORAGE -> INSUFFICIENT_STORAGE;
            case OK -> throw new IllegalArgumentException("OK is not a refusal");
        };
    }

    /** The badmail reason kind for a mailbox refused at delivery time. */
    public static String badmailKind(DeliveryCheck check) {
        return switch (check) {
            case OVER_QUOTA, INSUFFICIENT_STORAGE -> ReasonKind.MAILBOX_FULL;
            case DISABLED -> ReasonKind.MAILBOX_DISABLED;
            case NO_SUCH_MAILBOX -> ReasonKind.STORE_PERMANENT;
            case OK -> throw new IllegalArgumentException("OK is not a refusal");
        };
    }
}
