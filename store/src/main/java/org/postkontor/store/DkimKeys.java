package org.postkontor.store;

import java.util.List;

/**
 * The DKIM signing keys of the hosted domains (RFC 6376 rsa-sha256, RFC 8463 ed25519-sha256).
 * Private keys never leave the store except to sign. Thread-safe.
 */
public interface DkimKeys {

    /** The domain's keys, newest first; empty when it has none. */
    List<DkimKey> keys(String domain) throws StoreException;

    /**
     * The keys mail of the domain is signed with: the newest of each algorithm, Ed25519 first (a
     * receiver that knows only RSA skips that signature and checks the next).
     */
    default List<DkimKey> signing(String domain) throws StoreException {
        List<DkimKey> all = keys(domain);
        List<DkimKey> out = new java.util.ArrayList<>();
        for (DkimKey.Algorithm a : List.of(DkimKey.Algorithm.ED25519_SHA256, DkimKey.Algorithm.RSA_SHA256)) {
            all.stream().filter(k -> k.algorithm() == a).findFirst().ifPresent(out::add);
        }
        return out;
    }

    /** Stores a key durably, readable by this process's user only. Replaces one of the same selector. */
    void put(DkimKey key) throws StoreException;
}
