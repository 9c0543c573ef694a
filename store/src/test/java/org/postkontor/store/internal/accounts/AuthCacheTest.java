package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.MutableClock;

class AuthCacheTest {

    static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    static final MailAddress BOB = MailAddress.parse("bob@example.test");

    final MutableClock clock = MutableClock.at("2026-11-27T12:00:00Z");
    final AuthCache cache = new AuthCache(Duration.ofMinutes(60), 3, clock);

    @Test
    void samePasswordAndHashMatchOtherPasswordsAndHashesDoNot() {
        cache.remember(ALICE, "{X}h1", "secret".toCharArray());
        assertTrue(cache.matches(ALICE, "{X}h1", "secret".toCharArray()));
        assertFalse(cache.matches(ALICE, "{X}h1", "Secret".toCharArray()));
        assertFalse(cache.matches(ALICE, "{X}h1", "secret ".toCharArray()));
        assertFalse(cache.matches(ALICE, "{X}h1", new char[0]));
        assertFalse(cache.matches(BOB, "{X}h1", "secret".toCharArray()), "another user");
        assertFalse(cache.matches(ALICE, "{X}h2", "secret".toCharArray()), "the stored hash changed");
        assertFalse(cache.matches(ALICE, "{X}h1", "secret".toCharArray()), "an outdated entry is dropped");
        assertEquals(0, cache.size());
    }

    @Test
    void passwordsThatUtf8WouldConfuseStayDistinct() {
        // A lone surrogate encodes to '?' in lossy UTF-8; the cache must not take one for the other.
        cache.remember(ALICE, "{X}h", "pw?".toCharArray());
        assertFalse(cache.matches(ALICE, "{X}h", new char[] {'p', 'w', '\uD800'}));
        assertTrue(cache.matches(ALICE, "{X}h", "pw?".toCharArray()));
    }

    @Test
    void entriesExpireAfterTheTtlFromTheVerificationNotFromTheLastHit() {
        cache.remember(ALICE, "{X}h", "pw".toCharArray());
        clock.advance(Duration.ofMinutes(59));
        assertTrue(cache.matches(ALICE, "{X}h", "pw".toCharArray()));
        clock.advance(Duration.ofMinutes(1));
        assertFalse(cache.matches(ALICE, "{X}h", "pw".toCharArray()));
        assertEquals(0, cache.size());
    }

    @Test
    void aClockThatWentBackExpiresTheEntry() {
        cache.remember(ALICE, "{X}h", "pw".toCharArray());
        clock.advance(Duration.ofSeconds(-1));
        assertFalse(cache.matches(ALICE, "{X}h", "pw".toCharArray()));
    }

    @Test
    void theLeastRecentlyUsedUserIsEvictedBeyondTheSize() {
        MailAddress carol = MailAddress.parse("carol@example.test");
        MailAddress dave = MailAddress.parse("dave@example.test");
        cache.remember(ALICE, "h", "pw".toCharArray());
        cache.remember(BOB, "h", "pw".toCharArray());
        cache.remember(carol, "h", "pw".toCharArray());
        assertTrue(cache.matches(ALICE, "h", "pw".toCharArray())); // alice is now the most recent
        cache.remember(dave, "h", "pw".toCharArray());
        assertEquals(3, cache.size());
        assertFalse(cache.matches(BOB, "h", "pw".toCharArray()), "bob was least recently used");
        assertTrue(cache.matches(ALICE, "h", "pw".toCharArray()));
        assertTrue(cache.matches(carol, "h", "pw".toCharArray()));
        assertTrue(cache.matches(dave, "h", "pw".toCharArray()));
    }

    @Test
    void forgetAndTheOffCacheRememberNothing() {
        cache.remember(ALICE, "h", "pw".toCharArray());
        cache.forget(ALICE);
        assertFalse(cache.matches(ALICE, "h", "pw".toCharArray()));

        AuthCache off = AuthCache.off(clock);
        assertFalse(off.enabled());
        off.remember(ALICE, "h", "pw".toCharArray());
        assertFalse(off.matches(ALICE, "h", "pw".toCharArray()));
        assertEquals(0, off.size());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AuthCache(Duration.ofSeconds(-1), 1, clock));
        assertThrows(IllegalArgumentException.class, () -> new AuthCache(Duration.ofSeconds(1), 0, clock));
    }
}
