package org.postkontor.store;

import java.util.List;

/**
 * The DKIM signing keys of the hosted domains (RFC 6376 rsa-sha256, RFC 8463 ed25519-sha256).
 * Private keys never leave the store except to sign. Thread-safe.
 */
public interface DkimKeys {

    /** The domain's keys, newest first; empty when it has none. */
    List<DkimKey> keys(String domain) throws StoreException;

    /** Stores a key durably, readable by this process's user only. Replaces one of the same selector. */
    void put(DkimKey key) throws StoreException;
}
