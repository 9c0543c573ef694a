package org.postkontor.store.internal.accounts;

import java.util.concurrent.atomic.AtomicInteger;
import org.postkontor.store.PasswordHasher;

/**
 * Test hasher: {@code {PLAIN}password} is current, {@code {OLD}password} verifies but needs a
 * rehash. Counts verifications, to show that unknown users cost one too.
 */
final class PlainPasswordHasher implements PasswordHasher {

    final AtomicInteger verifications = new AtomicInteger();

    @Override
    public String hash(char[] password) {
        return "{PLAIN}" + new String(password);
    }

    @Override
    public boolean verify(String stored, char[] password) {
        verifications.incrementAndGet();
        String pw = new String(password);
        return stored.equals("{PLAIN}" + pw) || stored.equals("{OLD}" + pw);
    }

    @Override
    public boolean needsRehash(String stored) {
        return !stored.startsWith("{PLAIN}");
    }

    @Override
    public String scheme(String stored) {
        return stored.startsWith("{") ? stored.substring(1, stored.indexOf('}')) : "UNKNOWN";
    }
}
