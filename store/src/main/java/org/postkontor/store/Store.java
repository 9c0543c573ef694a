package org.postkontor.store;

import java.nio.file.Path;

/**
 * The spool and its index, the accounts, badmail, the outbound queue and the DKIM keys: the one
 * way into mail storage. A backend's
 * factory (the embedded one is {@code org.postkontor.store.embedded.EmbeddedStore}) opens it ready
 * for concurrent use; {@link #close()} waits for deliveries in flight.
 */
public interface Store extends AutoCloseable {

    Directory directory();

    Spool spool();

    MaildropStore maildrops();

    Accounts accounts();

    Administration admin();

    BadmailStore badmail();

    /** The people who log in to the web admin page. */
    WebUsers webUsers();

    /** Submitted mail waiting for delivery to other servers. */
    OutboundQueue outbound();

    /** The hosted domains' DKIM signing keys. */
    DkimKeys dkimKeys();

    /**
     * Does this process do the store's once-per-cluster work now (delivering the outbound queue,
     * badmail retention)? Always for a store of one process; on a database several nodes share,
     * exactly one node at a time, and another within seconds of that one's death. Ask before each
     * round of such work; never throws.
     */
    default boolean leads() {
        return true;
    }

    /**
     * Writes a consistent copy of everything (accounts, DKIM keys, mail, the outbound queue, badmail) into {@code target}, which
     * must not exist yet, while the store keeps taking and serving mail. Every message acknowledged
     * and every admin change made before the call is in it; the copy is complete when its manifest
     * file ({@code postkontor-backup.properties}) is there, which is written last. A restore makes a
     * data directory of it.
     *
     * @param previous an earlier backup on the same volume whose message files are hard-linked
     *                 instead of copied where unchanged (message files never change), or null
     */
    BackupSummary backup(Path target, Path previous) throws StoreException;

    @Override
    void close();
}
