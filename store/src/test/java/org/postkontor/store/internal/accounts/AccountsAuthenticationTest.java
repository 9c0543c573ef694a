package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.accounts.AccountsFixture.a;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Account;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;

class AccountsAuthenticationTest {

    @TempDir
    Path dir;
    AccountsFixture f;
    AccountsAuthentication accounts;

    @BeforeEach
    void setUp() throws Exception {
        f = new AccountsFixture(dir);
        accounts = f.accounts;
        f.admin.addDomain("example.test");
        f.admin.addUser(a("alice@example.test"), "secret".toCharArray(), Quota.NONE);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void rightPasswordLogsInWithTheNormalizedAddress() throws Exception {
        assertEquals(Optional.of(a("alice@example.test")), accounts.authenticate("alice@example.test", pw("secret")));
        assertEquals(Optional.of(a("alice@example.test")), accounts.authenticate("ALICE@Example.Test.", pw("secret")));
    }

    @Test
    void wrongPasswordUnknownUserAndMalformedLoginFail() throws Exception {
        assertEquals(Optional.empty(), accounts.authenticate("alice@example.test", pw("Secret")));
        assertEquals(Optional.empty(), accounts.authenticate("alice", pw("secret")));
        assertEquals(Optional.empty(), accounts.authenticate("carol@example.test", pw("secret")));
        assertEquals(Optional.empty(), accounts.authenticate("alice@example.org", pw("secret")));
        assertEquals(Optional.empty(), accounts.authenticate(null, pw("secret")));
    }

    @Test
    void unknownAndDisabledUsersCostOneVerificationLikeRealOnes() throws Exception {
        f.admin.addUser(a("bob@example.test"), "pw".toCharArray(), Quota.NONE);
        f.admin.setEnabled(a("bob@example.test"), false);
        for (String login : List.of("alice@example.test", "carol@example.test", "not an address", "bob@example.test")) {
            int before = f.hasher.verifications.get();
            accounts.authenticate(login, pw("wrong"));
            assertEquals(1, f.hasher.verifications.get() - before, login);
        }
    }

    @Test
    void disabledUserCannotLogInNorGetScramKeysNorAMailbox() throws Exception {
        f.admin.setEnabled(a("alice@example.test"), false);
        assertEquals(Optional.empty(), accounts.authenticate("alice@example.test", pw("secret")));
        assertEquals(Optional.empty(), accounts.scramCredential("alice@example.test"));
        assertEquals(Optional.empty(), accounts.mailboxOf("alice@example.test"));
        f.admin.setEnabled(a("alice@example.test"), true);
        assertEquals(Optional.of(a("alice@example.test")), accounts.authenticate("alice@example.test", pw("secret")));
    }

    @Test
    void mailboxOfNormalizes() throws Exception {
        assertEquals(Optional.of(a("alice@example.test")), accounts.mailboxOf("Alice@EXAMPLE.TEST"));
        assertEquals(Optional.empty(), accounts.mailboxOf("carol@example.test"));
        assertEquals(Optional.empty(), accounts.mailboxOf("@@"));
    }

    @Test
    void scramKeysOfANewUserMatchItsPassword() throws Exception {
        ScramCredential c = accounts.scramCredential("alice@example.test").orElseThrow();
        assertEquals(ScramCredential.DEFAULT_ITERATIONS, c.iterations());
        assertEquals(AccountsAuthentication.SCRAM_SALT_BYTES, c.salt().length);
        assertEquals(ScramCredential.derive(pw("secret"), c.salt(), c.iterations()), c);
        assertNotEquals(ScramCredential.derive(pw("secret2"), c.salt(), c.iterations()), c);
    }

    @Test
    void passwordChangeReplacesHashAndScramKeys() throws Exception {
        ScramCredential before = accounts.scramCredential("alice@example.test").orElseThrow();
        f.admin.setPassword(a("alice@example.test"), pw("n3w"));
        assertEquals(Optional.empty(), accounts.authenticate("alice@example.test", pw("secret")));
        assertTrue(accounts.authenticate("alice@example.test", pw("n3w")).isPresent());
        ScramCredential after = accounts.scramCredential("alice@example.test").orElseThrow();
        assertFalse(java.util.Arrays.equals(before.salt(), after.salt()), "fresh salt");
        assertEquals(ScramCredential.derive(pw("n3w"), after.salt(), after.iterations()), after);
    }

    @Test
    void importedOldHashIsRehashedAtTheFirstLoginAndGetsScramKeys() throws Exception {
        f.admin.importUsers(List.of(new ImportedUser(a("bob@example.test"), "{OLD}hunter2", 3)));
        assertEquals(Optional.empty(), accounts.scramCredential("bob@example.test"), "no keys before a login");
        assertEquals("OLD", f.admin.user(a("bob@example.test")).orElseThrow().passwordScheme());

        assertEquals(Optional.empty(), accounts.authenticate("bob@example.test", pw("wrong")));
        assertEquals("OLD", f.admin.user(a("bob@example.test")).orElseThrow().passwordScheme(), "no rehash on failure");

        assertEquals(Optional.of(a("bob@example.test")), accounts.authenticate("bob@example.test", pw("hunter2")));
        assertEquals("PLAIN", f.admin.user(a("bob@example.test")).orElseThrow().passwordScheme());
        ScramCredential c = accounts.scramCredential("bob@example.test").orElseThrow();
        assertEquals(ScramCredential.derive(pw("hunter2"), c.salt(), c.iterations()), c);
        assertTrue(accounts.authenticate("bob@example.test", pw("hunter2")).isPresent());
    }

    @Test
    void currentSchemeWithoutScramKeysGetsThemAtLogin() throws Exception {
        f.admin.importUsers(List.of(new ImportedUser(a("bob@example.test"), "{PLAIN}hunter2", 1)));
        assertEquals(Optional.empty(), accounts.scramCredential("bob@example.test"));
        accounts.authenticate("bob@example.test", pw("hunter2"));
        assertTrue(accounts.scramCredential("bob@example.test").isPresent());
    }

    @Test
    void realHasherRehashesADovecotSsha256ToArgon2id() throws Exception {
        // The admin helper's Argon2id hasher, cheap parameters for the test.
        var hasher = new Argon2idPasswordHasher(new Argon2Params(64, 1, 1));
        var admin = new AccountsAdministration(f.db, hasher, AccountsFixture.CLOCK, AccountsFixture.NO_MAIL, f.config);
        var real = new AccountsAuthentication(f.db, hasher, AccountsFixture.CLOCK);
        admin.importUsers(List.of(new ImportedUser(a("dave@example.test"), ssha256("correct horse"), 1)));
        assertEquals("SSHA256", admin.user(a("dave@example.test")).orElseThrow().passwordScheme());

        assertEquals(Optional.of(a("dave@example.test")), real.authenticate("dave@example.test", pw("correct horse")));

        Account after = admin.user(a("dave@example.test")).orElseThrow();
        assertEquals("ARGON2ID", after.passwordScheme());
        assertTrue(real.authenticate("dave@example.test", pw("correct horse")).isPresent());
        assertEquals(Optional.empty(), real.authenticate("dave@example.test", pw("wrong")));
        ScramCredential c = real.scramCredential("dave@example.test").orElseThrow();
        assertArrayEquals(ScramCredential.derive(pw("correct horse"), c.salt(), c.iterations()).storedKey(),
                c.storedKey());
    }

    /** Dovecot's {SSHA256}: base64(sha256(password + salt) + salt). */
    private static String ssha256(String password) throws Exception {
        byte[] salt = "NaCl4tst".getBytes(StandardCharsets.US_ASCII);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(password.getBytes(StandardCharsets.UTF_8));
        md.update(salt);
        byte[] digest = md.digest();
        byte[] all = new byte[digest.length + salt.length];
        System.arraycopy(digest, 0, all, 0, digest.length);
        System.arraycopy(salt, 0, all, digest.length, salt.length);
        return "{SSHA256}" + Base64.getEncoder().encodeToString(all);
    }

    private static char[] pw(String s) {
        return s.toCharArray();
    }
}
