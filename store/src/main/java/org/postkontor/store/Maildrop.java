package org.postkontor.store;

import java.io.InputStream;
import java.util.List;
import java.util.Set;

/**
 * One locked mailbox, as POP3's TRANSACTION state sees it. Call order: {@link #listing()} and
 * {@link #open(MaildropEntry)} any number of times, then at most one {@link #expunge(Set)}, then
 * {@link #close()} (always, also after a lost connection: closing deletes nothing). Used by one
 * session at a time; not thread-safe.
 */
public interface Maildrop extends AutoCloseable {

    MailAddress mailbox();

    /**
     * The entries as they were when the maildrop was opened, oldest first; message number n is
     * element n-1. Later arrivals never change it.
     */
    List<MaildropEntry> listing();

    /**
     * The entry's exact bytes (CRLF line ends, {@code Delivered-To:} line first), streamed from
     * disk; exactly {@link MaildropEntry#octets()} long. The caller closes it.
     */
    InputStream open(MaildropEntry entry) throws StoreException;

    /**
     * True when {@link #open(MaildropEntry)} and reading its stream touch only local files or
     * memory (no network round trip, no lock to wait for), so that a small body may be read on a
     * network event loop; false (the default) when they may wait on another server.
     */
    default boolean readsWithoutWaiting() {
        return false;
    }

    /**
     * Removes exactly these entries, all or none, durably, before it returns (POP3's UPDATE
     * state). A body is deleted once no entry refers to it.
     */
    void expunge(Set<MaildropEntry> entries) throws StoreException;

    /** Releases the lock; deletes nothing. Idempotent. */
    @Override
    void close();
}
