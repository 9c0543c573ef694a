package org.postkontor.smtp.filter;

/**
 * A content filter asked once per mail transaction, after the data was read in full and checked,
 * before the message is stored and the client gets its reply. Implementations are thread-safe and
 * are called from SMTP session threads (virtual threads), so they may block; each call must end
 * within the implementation's own timeout. {@link #close()} is called once, when the SMTP
 * listener stopped.
 *
 * <p>The SMTP side calls it only for inbound mail: a transaction whose {@link Envelope} names an
 * authenticated user (submission) is not scored. {@code RspamdFilter} is the real one.
 */
public interface MessageFilter extends AutoCloseable {

    /**
     * Scans one message. {@code content} is read once or more, never held whole in memory.
     *
     * @throws FilterException the filter could not give a verdict (down, slow, nonsense answer)
     */
    Verdict scan(Envelope envelope, Content content) throws FilterException;

    @Override
    default void close() {}

    /** The message data as received (after dot-unstuffing, before Postkontor's trace headers). */
    interface Content {
        /** Octets {@link #open()} yields. */
        long size();

        /** A fresh stream over the whole data; the caller closes it. */
        java.io.InputStream open() throws java.io.IOException;
    }
}
