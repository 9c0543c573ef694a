package org.postkontor.store;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The people who log in to the web admin page: a name and a password hash (the store's
 * {@link PasswordHasher}, Argon2id), kept with the accounts and as durable as they are. Not mail
 * users: a web user has no mailbox. Each change is one durable write; names are compared in lower
 * case ({@link #normalize}). Thread-safe.
 */
public interface WebUsers {

    /** Names: 1 to 64 of {@code a-z 0-9 . _ @ -}, starting with a letter or digit. */
    Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");

    /** Adds a web user; {@link ConflictException} if the name is taken. */
    void add(String name, char[] password) throws StoreException;

    /** {@link NotFoundException} for an unknown name. */
    void setPassword(String name, char[] password) throws StoreException;

    /** {@link NotFoundException} for an unknown name. */
    void remove(String name) throws StoreException;

    /** Every web user, by name. */
    List<WebUser> list() throws StoreException;

    /**
     * True if the name exists and the password matches. An unknown name costs one hash
     * verification too, so the answer time does not tell whether a name exists. Takes no
     * deliberate delay: throttling is the caller's business ({@link LoginThrottle}).
     */
    boolean authenticate(String name, char[] password) throws StoreException;

    record WebUser(String name, Instant created) {}

    /** The name in lower case; {@link IllegalArgumentException} saying what is allowed if it is not a name. */
    static String normalize(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        if (!NAME.matcher(n).matches()) {
            throw new IllegalArgumentException("a web user name is 1 to 64 of a-z 0-9 . _ @ -, starting with a"
                    + " letter or digit");
        }
        return n;
    }
}
