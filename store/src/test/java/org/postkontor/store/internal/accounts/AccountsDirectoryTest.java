package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.accounts.AccountsFixture.a;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Resolution;

class AccountsDirectoryTest {

    @TempDir
    Path dir;
    AccountsFixture f;
    AccountsDirectory directory;

    @BeforeEach
    void setUp() throws Exception {
        f = new AccountsFixture(dir);
        directory = f.directory;
        f.admin.addDomain("example.test");
        f.admin.addUser(a("alice@example.test"), "secret".toCharArray(), Quota.NONE);
        f.admin.addUser(a("bob@example.test"), "secret".toCharArray(), Quota.NONE);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private static Resolution local(String... addresses) {
        return new Resolution.Local(List.of(addresses).stream().map(AccountsFixture::a).toList());
    }

    @Test
    void hostedDomainsAreNormalized() throws Exception {
        assertTrue(directory.isHosted("example.test"));
        assertTrue(directory.isHosted("EXAMPLE.Test."));
        assertFalse(directory.isHosted("example.org"));
        assertFalse(directory.isHosted("sub.example.test"));
        assertFalse(directory.isHosted(""));
    }

    @Test
    void userResolvesToItsMailboxWhateverTheCaseOrTrailingDot() throws Exception {
        assertEquals(local("alice@example.test"), directory.resolve(a("alice@example.test")));
        assertEquals(local("alice@example.test"), directory.resolve(a("Alice@EXAMPLE.test.")));
    }

    @Test
    void disabledUserStillResolvesLocal() throws Exception {
        f.admin.setEnabled(a("alice@example.test"), false);
        assertEquals(local("alice@example.test"), directory.resolve(a("alice@example.test")));
    }

    @Test
    void otherDomainIsNotHosted() throws Exception {
        assertEquals(new Resolution.NotHosted(), directory.resolve(a("alice@example.org")));
    }

    @Test
    void unknownUserIsRejectedByDefault() throws Exception {
        assertEquals(new Resolution.UnknownUser(), directory.resolve(a("carol@example.test")));
    }

    @Test
    void aliasWithSeveralTargetsDeliversToEachOnce() throws Exception {
        f.admin.addAlias(a("team@example.test"),
                List.of(a("bob@example.test"), a("alice@example.test"), a("Bob@example.test")));
        assertEquals(local("bob@example.test", "alice@example.test"), directory.resolve(a("TEAM@example.test")));
    }

    @Test
    void aliasDeliversToTheTargetsThatRemain() throws Exception {
        f.admin.addAlias(a("team@example.test"), List.of(a("alice@example.test"), a("bob@example.test")));
        f.admin.removeUser(a("bob@example.test"), false);
        assertEquals(local("alice@example.test"), directory.resolve(a("team@example.test")));
    }

    @Test
    void aliasWhoseTargetsAreAllGoneGoesToBadmail() throws Exception {
        f.admin.addAlias(a("old@example.test"), List.of(a("bob@example.test")));
        f.admin.removeUser(a("bob@example.test"), false);
        assertEquals(new Resolution.ToBadmail("dangling_alias"), directory.resolve(a("old@example.test")));
    }

    @Test
    void aliasMayPointIntoAnotherHostedDomain() throws Exception {
        f.admin.addDomain("example.org");
        f.admin.addAlias(a("info@example.org"), List.of(a("alice@example.test")));
        assertEquals(local("alice@example.test"), directory.resolve(a("info@example.org")));
    }

    @Test
    void catchAllDeliversUnknownLocalPartsToItsUser() throws Exception {
        f.admin.setPolicy("example.test", new RecipientPolicy.CatchAll("Bob"));
        assertEquals(local("bob@example.test"), directory.resolve(a("nobody@example.test")));
        assertEquals(local("alice@example.test"), directory.resolve(a("alice@example.test")));
    }

    @Test
    void catchAllWhoseUserIsGoneRejects() throws Exception {
        f.admin.setPolicy("example.test", new RecipientPolicy.CatchAll("bob"));
        // Removing the catch-all user is refused; a hand-edited or older index can still get here.
        f.db.write((c, changes) -> {
            changes.user("bob@example.test");
            return c.createStatement().executeUpdate("DELETE FROM users WHERE address = 'bob@example.test'");
        });
        assertEquals(new Resolution.UnknownUser(), directory.resolve(a("nobody@example.test")));
    }

    @Test
    void badmailPolicySendsUnknownUsersToBadmail() throws Exception {
        f.admin.setPolicy("example.test", new RecipientPolicy.Badmail());
        assertEquals(new Resolution.ToBadmail("unknown_user"), directory.resolve(a("nobody@example.test")));
        assertEquals(local("alice@example.test"), directory.resolve(a("alice@example.test")));
    }

    @Test
    void adminChangesAreSeenByTheNextCall() throws Exception {
        assertEquals(new Resolution.UnknownUser(), directory.resolve(a("carol@example.test")));
        f.admin.addUser(a("carol@example.test"), "pw".toCharArray(), Quota.NONE);
        assertEquals(local("carol@example.test"), directory.resolve(a("carol@example.test")));
        f.admin.removeDomain("example.test", true);
        assertEquals(new Resolution.NotHosted(), directory.resolve(a("carol@example.test")));
    }
}
