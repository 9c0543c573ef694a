package org.postkontor.store;

import java.time.Clock;
import java.util.Optional;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.postgresql.PostgresConfig;
import org.postkontor.store.postgresql.PostgresStore;

/** Opens the store a configuration names: the embedded one, or the postgresql backend. */
public final class Stores {

    private Stores() {}

    /**
     * @param local    the node's directories (all of the embedded store; badmail, the outbound queue
     *                 and the DKIM keys of the postgresql one)
     * @param database present for the postgresql backend
     */
    public static Store open(StoreConfig local, Optional<PostgresConfig> database, PasswordHasher hasher, Clock clock,
                             StoreMetrics metrics) throws StoreException {
        return database.isPresent()
                ? PostgresStore.open(database.get(), local, hasher, clock, metrics)
                : EmbeddedStore.open(local, hasher, clock, metrics);
    }
}
