package org.postkontor.store.internal.accounts;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.postkontor.store.PasswordHasher;

/**
 * A hash of a random password in the current scheme, made once on first use: what a login of an
 * unknown name is verified against, so that it costs what a real check costs and the answer time
 * does not tell whether the name exists. Thread-safe (two first uses may both make one).
 */
final class DummyHash {

    private final PasswordHasher hasher;
    private final SecureRandom random = new SecureRandom();
    private volatile String hash;

    DummyHash(PasswordHasher hasher) {
        this.hasher = Objects.requireNonNull(hasher, "hasher");
    }

    /** Verifies {@code password} against the dummy hash: always false, at full cost. */
    void verify(char[] password) {
        hasher.verify(get(), password);
    }

    private String get() {
        String h = hash;
        if (h == null) {
            char[] pw = new char[24];
            for (int i = 0; i < pw.length; i++) {
                pw[i] = (char) ('a' + random.nextInt(26));
            }
            h = hasher.hash(pw);
            Arrays.fill(pw, '\0');
            hash = h;
        }
        return h;
    }
}
