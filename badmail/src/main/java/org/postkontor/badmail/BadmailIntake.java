package org.postkontor.badmail;

import java.io.InputStream;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.StoreException;

/**
 * Where SMTP hands mail it accepted but cannot deliver. Returns only when the item is durable
 * (SMTP answers 250 after this), so nothing accepted is ever dropped. Thread-safe.
 */
public interface BadmailIntake {

    /**
     * Stores the original bytes as received (after SMTP dot-unstuffing, before any trace header
     * Postkontor adds) with its envelope and reason; applies retention (may evict the oldest items
     * to stay under the size cap).
     *
     * @throws org.postkontor.store.InsufficientStorageException the badmail volume is at its reserve
     */
    void admit(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException;
}
