package org.postkontor.store.testing;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import org.postkontor.store.PasswordHasher;

/**
 * A fast {@link PasswordHasher} for tests only: stores {@code {PLAIN}password}. Never use it in
 * main code.
 */
public final class PlainTestHasher implements PasswordHasher {

    private static final String PREFIX = "{PLAIN}";

    @Override
    public String hash(char[] password) {
        return PREFIX + new String(password);
    }

    @Override
    public boolean verify(String stored, char[] password) {
        return stored.startsWith(PREFIX) && MessageDigest.isEqual(
                stored.substring(PREFIX.length()).getBytes(StandardCharsets.UTF_8),
                new String(password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean needsRehash(String stored) {
        return !stored.startsWith(PREFIX);
    }

    @Override
    public String scheme(String stored) {
        int end = stored.indexOf('}');
        return stored.startsWith("{") && end > 0 ? stored.substring(1, end) : "";
    }
}
