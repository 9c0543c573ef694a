package org.postkontor.store.internal.accounts;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.postkontor.store.MailAddress;

/**
 * Remembers successful password verifications, as Dovecot's {@code auth_cache_size} /
 * {@code auth_cache_ttl} do, so a client that logs in every few minutes with the same password
 * does not pay for Argon2id every time.
 *
 * <p>Per user (the normalized address) it keeps an HMAC-SHA-256 of the password under a random
 * key made when the process starts (never the password; the key never leaves memory), the stored
 * hash that password was verified against, and when. {@link #matches} is true only for the same
 * password, within the TTL, while the user's stored hash is still exactly that string: a password
 * change, a rehash, a disable or a delete takes effect at the next login because the caller reads
 * the users row first. A different password never matches; the caller then verifies it in full,
 * so guessing costs what it always did. Failures are never remembered.
 *
 * <p>At most {@code maxEntries} users, least recently used evicted first. The TTL counts from the
 * verification, not from the last hit, so every password is verified in full at least once per
 * TTL. Thread-safe.
 */
final class AuthCache {

    private static final String MAC = "HmacSHA256";

    private record Verified(byte[] mac, String storedHash, Instant verifiedAt) {}

    private final Duration ttl;
    private final Clock clock;
    private final SecretKeySpec key;
    private final Map<MailAddress, Verified> entries;

    /** A cache of at most {@code maxEntries} users for {@code ttl}; a zero TTL makes it always miss. */
    AuthCache(Duration ttl, int maxEntries, Clock clock) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must be >= 0");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1");
        }
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        this.key = new SecretKeySpec(k, MAC);
        Arrays.fill(k, (byte) 0);
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<MailAddress, Verified> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** A cache that never remembers anything. */
    static AuthCache off(Clock clock) {
        return new AuthCache(Duration.ZERO, 1, clock);
    }

    boolean enabled() {
        return !ttl.isZero();
    }

    /**
     * True if {@code password} was verified for {@code user} against exactly {@code storedHash}
     * less than the TTL ago. Expired or outdated entries are dropped.
     */
    boolean matches(MailAddress user, String storedHash, char[] password) {
        if (!enabled()) {
            return false;
        }
        Verified e;
        synchronized (entries) {
            e = entries.get(user);
        }
        if (e == null) {
            return false;
        }
        if (!fresh(e) || !e.storedHash().equals(storedHash)) {
            synchronized (entries) {
                entries.remove(user, e);
            }
            return false;
        }
        return MessageDigest.isEqual(e.mac(), mac(user, password));
    }

    /** Remembers that {@code password} verified for {@code user} against {@code storedHash} now. */
    void remember(MailAddress user, String storedHash, char[] password) {
        if (!enabled()) {
            return;
        }
        Verified e = new Verified(mac(user, password), Objects.requireNonNull(storedHash, "storedHash"), clock.instant());
        synchronized (entries) {
            entries.put(user, e);
        }
    }

    /** Forgets {@code user} (e.g. after a failed upgrade write). */
    void forget(MailAddress user) {
        synchronized (entries) {
            entries.remove(user);
        }
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    private boolean fresh(Verified e) {
        Instant now = clock.instant();
        // A clock that went backwards proves nothing about age: treat the entry as expired.
        return !now.isBefore(e.verifiedAt()) && now.isBefore(e.verifiedAt().plus(ttl));
    }

    /** HMAC over the address, a separator and the password's UTF-16 code units (injective, no String). */
    private byte[] mac(MailAddress user, char[] password) {
        byte[] pw = new byte[password.length * 2];
        try {
            for (int i = 0; i < password.length; i++) {
                pw[2 * i] = (byte) (password[i] >>> 8);
                pw[2 * i + 1] = (byte) password[i];
            }
            Mac mac = Mac.getInstance(MAC);
            mac.init(key);
            mac.update(user.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(pw);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }
}
