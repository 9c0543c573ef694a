package org.postkontor.store;

import java.time.Clock;
import org.postkontor.store.internal.FileStore;

/**
 * The spool and its index: the one way into mail storage. {@link #open} creates or migrates the
 * index, reconciles it against the spool (temp files cleared, orphans handled and counted), and
 * returns a store ready for concurrent use; {@link #close()} waits for deliveries in flight.
 * One process at a time (the index is embedded).
 */
public interface Store extends AutoCloseable {

    static Store open(StoreConfig config, PasswordHasher hasher, Clock clock, StoreMetrics metrics)
            throws StoreException {
        return FileStore.open(config, hasher, clock, metrics);
    }

    Directory directory();

    Spool spool();

    MaildropStore maildrops();

    Accounts accounts();

    Administration admin();

    BadmailStore badmail();

    @Override
    void close();
}
