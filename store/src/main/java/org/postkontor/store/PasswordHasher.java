package org.postkontor.store;

/**
 * Turns passwords into stored hashes and checks them. Stored forms carry their scheme in Dovecot's
 * notation, {@code {SCHEME}data} (e.g. {@code {ARGON2ID}$argon2id$v=19$...}), so that imported
 * Dovecot hashes verify as they are. Thread-safe; implementations may be slow on purpose.
 */
public interface PasswordHasher {

    /** Hashes with the current scheme and parameters. */
    String hash(char[] password);

    /** True if {@code password} matches {@code stored}, in whatever scheme {@code stored} names. */
    boolean verify(String stored, char[] password);

    /** True if {@code stored} is not in the current scheme or parameters (rehash at next login). */
    boolean needsRehash(String stored);

    /** The scheme name of a stored form, e.g. {@code ARGON2ID}. */
    String scheme(String stored);
}
