package org.postkontor.store.internal;

import java.time.Clock;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;

/** Placeholder until the store lands: spool files + H2 index. */
public final class FileStore {
    private FileStore() {}

    public static Store open(StoreConfig config, PasswordHasher hasher, Clock clock, StoreMetrics metrics)
            throws StoreException {
        throw new StoreException("store not implemented yet");
    }
}
