package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.accounts.AccountsFixture.a;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;
import org.postkontor.store.testing.MutableClock;

/** The auth cache in {@link AccountsAuthentication}, on a real H2 index; the hasher counts verifications. */
class AccountsAuthenticationCacheTest {

    static final MailAddress ALICE = a("alice@example.test");

    @TempDir
    Path dir;
    AccountsFixture f;
    final MutableClock clock = MutableClock.at("2026-11-27T12:00:00Z");
    final CountingMetrics metrics = new CountingMetrics();
    AccountsAuthentication accounts;

    @BeforeEach
    void setUp() throws Exception {
        f = new AccountsFixture(dir);
        accounts = cached(Duration.ofHours(1), 100);
        f.admin.addDomain("example.test");
        f.admin.addUser(ALICE, pw("secret"), Quota.NONE);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    AccountsAuthentication cached(Duration ttl, int size) {
        return new AccountsAuthentication(f.db, f.hasher, clock, new AuthCache(ttl, size, clock), metrics);
    }

    /** Logs in and returns how many verifications the hasher ran for it. */
    int verificationsOf(String login, String password, boolean expectSuccess) throws Exception {
        int before = f.hasher.verifications.get();
        Optional<MailAddress> r = accounts.authenticate(login, pw(password));
        assertEquals(expectSuccess, r.isPresent(), login + " / " + password);
        return f.hasher.verifications.get() - before;
    }

    @Test
    void aRepeatedLoginWithTheSamePasswordSkipsTheHash() throws Exception {
        assertEquals(1, verificationsOf("alice@example.test", "secret", true));
        assertEquals(0, verificationsOf("alice@example.test", "secret", true));
        assertEquals(0, verificationsOf("ALICE@Example.Test", "secret", true), "keyed by the normalized address");
        assertEquals(Optional.of(ALICE), accounts.authenticate("alice@example.test", pw("secret")));
        assertEquals(3, metrics.hits.get());
        assertEquals(1, metrics.misses.get());
    }

    @Test
    void aWrongPasswordIsAlwaysVerifiedInFullAndNeverCached() throws Exception {
        assertEquals(1, verificationsOf("alice@example.test", "secret", true));
        for (int i = 0; i < 3; i++) {
            assertEquals(1, verificationsOf("alice@example.test", "Secret", false));
        }
        assertEquals(0, verificationsOf("alice@example.test", "secret", true), "the right one still hits");
        assertEquals(1, verificationsOf("alice@example.test", "Secret", false));
    }

    @Test
    void failuresAreNotCached() throws Exception {
        assertEquals(1, verificationsOf("alice@example.test", "wrong", false));
        assertEquals(1, verificationsOf("alice@example.test", "wrong", false));
        assertEquals(1, verificationsOf("alice@example.test", "secret", true));
    }

    @Test
    void aPasswordChangeCountsAtOnce() throws Exception {
        verificationsOf("alice@example.test", "secret", true);
        f.admin.setPassword(ALICE, pw("n3w"));
        assertEquals(1, verificationsOf("alice@example.test", "secret", false));
        assertEquals(1, verificationsOf("alice@example.test", "n3w", true));
        assertEquals(0, verificationsOf("alice@example.test", "n3w", true));
    }

    @Test
    void anyChangeOfTheStoredHashForcesAFullVerification() throws Exception {
        verificationsOf("alice@example.test", "secret", true);
        // Same password, other stored form (as a re-import would write): verified again, then rehashed.
        f.db.write((c, changes) -> {
            changes.user(ALICE.toString());
            try (var ps = c.prepareStatement("UPDATE users SET password_hash = '{OLD}secret' WHERE address = ?")) {
                ps.setString(1, ALICE.toString());
                return ps.executeUpdate();
            }
        });
        assertEquals(1, verificationsOf("alice@example.test", "secret", true));
        assertEquals(0, verificationsOf("alice@example.test", "secret", true));
    }

    @Test
    void aRehashAtLoginCachesTheNewHash() throws Exception {
        f.admin.importUsers(List.of(new ImportedUser(a("bob@example.test"), "{OLD}hunter2", 1)));
        assertEquals(1, verificationsOf("bob@example.test", "hunter2", true));
        assertEquals("PLAIN", f.admin.user(a("bob@example.test")).orElseThrow().passwordScheme());
        assertEquals(0, verificationsOf("bob@example.test", "hunter2", true));
    }

    @Test
    void disablingAndDeletingCountAtOnce() throws Exception {
        verificationsOf("alice@example.test", "secret", true);
        f.admin.setEnabled(ALICE, false);
        assertEquals(1, verificationsOf("alice@example.test", "secret", false), "the dummy hash, as before");
        f.admin.setEnabled(ALICE, true);
        assertEquals(1, verificationsOf("alice@example.test", "secret", true), "forgotten while disabled");
        assertEquals(0, verificationsOf("alice@example.test", "secret", true));
        f.admin.removeUser(ALICE, true);
        assertEquals(1, verificationsOf("alice@example.test", "secret", false));
        f.admin.addUser(ALICE, pw("secret"), Quota.NONE);
        assertEquals(1, verificationsOf("alice@example.test", "secret", true), "a new user starts uncached");
    }

    @Test
    void entriesExpireAfterTheTtl() throws Exception {
        verificationsOf("alice@example.test", "secret", true);
        clock.advance(Duration.ofMinutes(59));
        assertEquals(0, verificationsOf("alice@example.test", "secret", true));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, verificationsOf("alice@example.test", "secret", true));
        assertEquals(0, verificationsOf("alice@example.test", "secret", true));
    }

    @Test
    void theCacheHoldsAtMostItsSize() throws Exception {
        accounts = cached(Duration.ofHours(1), 2);
        f.admin.addUser(a("bob@example.test"), pw("b"), Quota.NONE);
        f.admin.addUser(a("carol@example.test"), pw("c"), Quota.NONE);
        verificationsOf("alice@example.test", "secret", true);
        verificationsOf("bob@example.test", "b", true);
        verificationsOf("carol@example.test", "c", true);
        assertEquals(1, verificationsOf("alice@example.test", "secret", true), "alice was evicted");
        assertEquals(0, verificationsOf("carol@example.test", "c", true));
    }

    @Test
    void aZeroTtlTurnsTheCacheOff() throws Exception {
        accounts = cached(Duration.ZERO, 100);
        for (int i = 0; i < 3; i++) {
            assertEquals(1, verificationsOf("alice@example.test", "secret", true));
        }
        assertEquals(0, metrics.hits.get() + metrics.misses.get(), "no cache, no cache metrics");
    }

    @Test
    void scramIsUnaffected() throws Exception {
        verificationsOf("alice@example.test", "secret", true);
        ScramCredential c = accounts.scramCredential("alice@example.test").orElseThrow();
        assertEquals(ScramCredential.derive(pw("secret"), c.salt(), c.iterations()), c);
    }

    @Test
    void realArgon2SetPasswordToTheSameValueStillInvalidates() throws Exception {
        var hasher = new CountingHasher(new Argon2idPasswordHasher(new Argon2Params(64, 1, 1)));
        var admin = new AccountsAdministration(f.db, hasher, clock, AccountsFixture.NO_MAIL, f.config);
        var real = new AccountsAuthentication(f.db, hasher, clock, new AuthCache(Duration.ofHours(1), 10, clock), metrics);
        admin.addUser(a("dave@example.test"), pw("correct horse"), Quota.NONE);
        assertTrue(real.authenticate("dave@example.test", pw("correct horse")).isPresent());
        int before = hasher.verifications.get();
        assertTrue(real.authenticate("dave@example.test", pw("correct horse")).isPresent());
        assertEquals(before, hasher.verifications.get(), "hit");
        admin.setPassword(a("dave@example.test"), pw("correct horse")); // new salt, new hash string
        assertTrue(real.authenticate("dave@example.test", pw("correct horse")).isPresent());
        assertEquals(before + 1, hasher.verifications.get(), "verified against the new hash");
        assertEquals(Optional.empty(), real.authenticate("dave@example.test", pw("wrong")));
        assertEquals(before + 2, hasher.verifications.get());
    }

    @Test
    void theStoreWiresTheCacheFromItsConfig() throws Exception {
        f.close();
        for (Duration ttl : List.of(Duration.ofHours(1), Duration.ZERO)) {
            Path data = dir.resolve("store-" + ttl.toSeconds());
            var hasher = new CountingHasher(new org.postkontor.store.testing.PlainTestHasher());
            StoreConfig config = new StoreConfig(data.resolve("spool"), data.resolve("index"), data.resolve("badmail"), 0)
                    .withAuthCache(ttl, 10);
            try (Store store = EmbeddedStore.open(config, hasher, Clock.systemUTC(), StoreMetrics.NOOP)) {
                store.admin().addDomain("example.test");
                store.admin().addUser(ALICE, pw("secret"), Quota.NONE);
                for (int i = 0; i < 3; i++) {
                    assertTrue(store.accounts().authenticate("alice@example.test", pw("secret")).isPresent());
                }
                assertEquals(ttl.isZero() ? 3 : 1, hasher.verifications.get(), "ttl " + ttl);
            }
        }
        f = new AccountsFixture(dir.resolve("again"));
    }

    private static char[] pw(String s) {
        return s.toCharArray();
    }

    static final class CountingMetrics implements StoreMetrics {
        final AtomicInteger hits = new AtomicInteger();
        final AtomicInteger misses = new AtomicInteger();

        @Override
        public void authCache(boolean hit) {
            (hit ? hits : misses).incrementAndGet();
        }
    }

    /** Wraps a real hasher and counts its verifications. */
    static final class CountingHasher implements PasswordHasher {
        final PasswordHasher inner;
        final AtomicInteger verifications = new AtomicInteger();

        CountingHasher(PasswordHasher inner) {
            this.inner = inner;
        }

        @Override
        public String hash(char[] password) {
            return inner.hash(password);
        }

        @Override
        public boolean verify(String stored, char[] password) {
            verifications.incrementAndGet();
            return inner.verify(stored, password);
        }

        @Override
        public boolean needsRehash(String stored) {
            return inner.needsRehash(stored);
        }

        @Override
        public String scheme(String stored) {
            return inner.scheme(stored);
        }
    }
}
