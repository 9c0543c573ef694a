package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.accounts.AccountsFixture.a;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Account;
import org.postkontor.store.Administration.Alias;
import org.postkontor.store.Administration.DomainInfo;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.ConflictException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreStats;

class AccountsAdministrationTest {

    @TempDir
    Path dir;
    AccountsFixture f;
    AccountsAdministration admin;

    @BeforeEach
    void setUp() throws Exception {
        f = new AccountsFixture(dir);
        admin = f.admin;
        admin.addDomain("Example.TEST.");
        admin.addUser(a("alice@example.test"), pw("secret"), Quota.NONE);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    // ---- domains

    @Test
    void domainsAreNormalizedListedAndCounted() throws Exception {
        admin.addDomain("example.org");
        admin.addAlias(a("team@example.test"), List.of(a("alice@example.test")));
        assertEquals(List.of(
                        new DomainInfo("example.org", new RecipientPolicy.Reject(), 0, 0),
                        new DomainInfo("example.test", new RecipientPolicy.Reject(), 1, 1)),
                admin.domains());
    }

    @Test
    void duplicateOrMalformedDomainIsRefused() {
        var e = assertThrows(ConflictException.class, () -> admin.addDomain("EXAMPLE.test"));
        assertTrue(e.getMessage().contains("example.test"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> admin.addDomain("exa mple.test"));
        assertThrows(IllegalArgumentException.class, () -> admin.addDomain("[127.0.0.1]"));
        assertThrows(IllegalArgumentException.class, () -> admin.addDomain(""));
        assertThrows(IllegalArgumentException.class, () -> admin.addDomain("-bad.test"));
    }

    @Test
    void domainWithUsersIsRemovedOnlyWhenForcedAndItsMailStays() throws Exception {
        admin.addAlias(a("team@example.test"), List.of(a("alice@example.test")));
        f.entry("alice@example.test", 100);
        var e = assertThrows(ConflictException.class, () -> admin.removeDomain("example.test", false));
        assertTrue(e.getMessage().contains("1 user(s) and 1 alias(es)"), e.getMessage());
        assertEquals(1, admin.domains().size());

        admin.removeDomain("example.test.", true);
        assertEquals(List.of(), admin.domains());
        assertEquals(List.of(), admin.users(Optional.empty()));
        assertEquals(List.of(), admin.aliases(Optional.empty()));
        assertEquals(1, admin.stats().entries(), "mail is kept");
        assertEquals(List.of(), f.purged);
    }

    @Test
    void emptyDomainIsRemovedWithoutForce() throws Exception {
        admin.addDomain("example.org");
        admin.removeDomain("example.org", false);
        assertThrows(NotFoundException.class, () -> admin.removeDomain("example.org", false));
    }

    @Test
    void policyIsSetAndCatchAllIsChecked() throws Exception {
        admin.setPolicy("EXAMPLE.test", new RecipientPolicy.CatchAll("Alice"));
        assertEquals(new RecipientPolicy.CatchAll("alice"), admin.domains().get(0).policy());
        admin.setPolicy("example.test", new RecipientPolicy.Badmail());
        assertEquals(new RecipientPolicy.Badmail(), admin.domains().get(0).policy());

        assertThrows(NotFoundException.class, () -> admin.setPolicy("example.org", new RecipientPolicy.Reject()));
        assertThrows(NotFoundException.class,
                () -> admin.setPolicy("example.test", new RecipientPolicy.CatchAll("nobody")));
        admin.addDomain("example.org");
        admin.addUser(a("bob@example.org"), pw("pw"), Quota.NONE);
        assertThrows(IllegalArgumentException.class,
                () -> admin.setPolicy("example.test", new RecipientPolicy.CatchAll("bob@example.org")));
        assertThrows(IllegalArgumentException.class,
                () -> admin.setPolicy("example.test", new RecipientPolicy.CatchAll("a b")));
        assertEquals(new RecipientPolicy.Badmail(), admin.domains().get(1).policy(), "unchanged after errors");
    }

    // ---- users

    @Test
    void userIsAddedWithQuotaAndSchemeAndListed() throws Exception {
        admin.addUser(a("Bob@Example.test"), pw("pw"), new Quota(1000, 10));
        Account bob = admin.user(a("bob@example.test")).orElseThrow();
        assertEquals(new Account(a("bob@example.test"), true, 1000, 10, 0, 0, "PLAIN"), bob);
        assertEquals(List.of(a("alice@example.test"), a("bob@example.test")),
                admin.users(Optional.empty()).stream().map(Account::address).toList());
        assertEquals(Optional.empty(), admin.user(a("carol@example.test")));
    }

    @Test
    void usersShowMessageCountAndOctets() throws Exception {
        f.entry("alice@example.test", 120);
        f.entry("alice@example.test", 240);
        Account alice = admin.user(a("alice@example.test")).orElseThrow();
        assertEquals(2, alice.messages());
        assertEquals(360, alice.octets());
    }

    @Test
    void usersOfOneDomain() throws Exception {
        admin.addDomain("example.org");
        admin.addUser(a("bob@example.org"), pw("pw"), Quota.NONE);
        assertEquals(List.of(a("bob@example.org")),
                admin.users(Optional.of("EXAMPLE.org")).stream().map(Account::address).toList());
        assertThrows(NotFoundException.class, () -> admin.users(Optional.of("example.net")));
    }

    @Test
    void addUserErrors() {
        assertThrows(NotFoundException.class, () -> admin.addUser(a("bob@example.org"), pw("pw"), Quota.NONE));
        var dup = assertThrows(ConflictException.class,
                () -> admin.addUser(a("ALICE@example.test"), pw("pw"), Quota.NONE));
        assertTrue(dup.getMessage().contains("alice@example.test"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> admin.addUser(a("bob@example.test"), pw(""), Quota.NONE));
        assertThrows(IllegalArgumentException.class, () -> admin.addUser(a("bob@example.test"), pw("   "), Quota.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> admin.addUser(a("bob@example.test"), pw("a\r\nb"), Quota.NONE));
        assertThrows(IllegalArgumentException.class, () -> admin.addUser(a("bob@example.test"), null, Quota.NONE));
    }

    @Test
    void userAndAliasNeverShareAnAddress() throws Exception {
        admin.addAlias(a("team@example.test"), List.of(a("alice@example.test")));
        assertThrows(ConflictException.class, () -> admin.addUser(a("team@example.test"), pw("pw"), Quota.NONE));
        admin.addUser(a("bob@example.test"), pw("pw"), Quota.NONE);
        assertThrows(ConflictException.class,
                () -> admin.addAlias(a("alice@example.test"), List.of(a("bob@example.test"))));
        assertThrows(IllegalArgumentException.class,
                () -> admin.addAlias(a("team@example.test"), List.of(a("team@example.test"))));
    }

    @Test
    void setEnabledQuotaPasswordOfUnknownUserIsNotFound() throws Exception {
        MailAddressHolder carol = new MailAddressHolder("carol@example.test");
        assertThrows(NotFoundException.class, () -> admin.setEnabled(carol.a, false));
        assertThrows(NotFoundException.class, () -> admin.setQuota(carol.a, Quota.NONE));
        assertThrows(NotFoundException.class, () -> admin.setPassword(carol.a, pw("pw")));
        assertThrows(NotFoundException.class, () -> admin.removeUser(carol.a, true));
        assertThrows(IllegalArgumentException.class, () -> admin.setPassword(a("alice@example.test"), pw("")));

        admin.setQuota(a("alice@example.test"), new Quota(5, 6));
        admin.setEnabled(a("alice@example.test"), false);
        Account alice = admin.user(a("alice@example.test")).orElseThrow();
        assertEquals(5, alice.quotaBytes());
        assertEquals(6, alice.quotaMessages());
        assertFalse(alice.enabled());
    }

    private record MailAddressHolder(org.postkontor.store.MailAddress a) {
        MailAddressHolder(String s) {
            this(AccountsFixture.a(s));
        }
    }

    @Test
    void removeUserKeepsOrPurgesMailAsAsked() throws Exception {
        admin.addUser(a("bob@example.test"), pw("pw"), Quota.NONE);
        admin.removeUser(a("alice@example.test"), false);
        assertEquals(List.of(), f.purged);
        admin.removeUser(a("bob@example.test"), true);
        assertEquals(List.of(a("bob@example.test")), f.purged);
        assertEquals(List.of(), admin.users(Optional.empty()));
    }

    @Test
    void catchAllUserCannotBeRemovedUntilThePolicyChanges() throws Exception {
        admin.setPolicy("example.test", new RecipientPolicy.CatchAll("alice"));
        var e = assertThrows(ConflictException.class, () -> admin.removeUser(a("alice@example.test"), true));
        assertTrue(e.getMessage().contains("catch-all"), e.getMessage());
        assertEquals(List.of(), f.purged);
        admin.setPolicy("example.test", new RecipientPolicy.Reject());
        admin.removeUser(a("alice@example.test"), true);
    }

    // ---- import

    @Test
    void importAddsAllUsersWithTheirHashesAsTheyAre() throws Exception {
        admin.importUsers(List.of(
                new ImportedUser(a("bob@example.test"), "{OLD}pw1", 1),
                new ImportedUser(a("carol@example.test"), "{PLAIN}pw2", 2)));
        assertEquals("OLD", admin.user(a("bob@example.test")).orElseThrow().passwordScheme());
        assertTrue(f.accounts.authenticate("carol@example.test", pw("pw2")).isPresent());
    }

    @Test
    void importIsAllOrNothingAndNamesTheDuplicateAndItsLine() throws Exception {
        var e = assertThrows(ConflictException.class, () -> admin.importUsers(List.of(
                new ImportedUser(a("bob@example.test"), "{PLAIN}pw", 1),
                new ImportedUser(a("carol@example.test"), "{PLAIN}pw", 2),
                new ImportedUser(a("alice@example.test"), "{PLAIN}pw", 7))));
        assertTrue(e.getMessage().contains("line 7"), e.getMessage());
        assertTrue(e.getMessage().contains("alice@example.test"), e.getMessage());
        assertEquals(List.of(a("alice@example.test")),
                admin.users(Optional.empty()).stream().map(Account::address).toList(), "nothing imported");
    }

    @Test
    void importRefusesADuplicateWithinTheFile() throws Exception {
        var e = assertThrows(ConflictException.class, () -> admin.importUsers(List.of(
                new ImportedUser(a("bob@example.test"), "{PLAIN}pw", 3),
                new ImportedUser(a("BOB@example.test"), "{PLAIN}pw", 9))));
        assertTrue(e.getMessage().contains("line 9") && e.getMessage().contains("line 3"), e.getMessage());
        assertEquals(1, admin.users(Optional.empty()).size());
    }

    @Test
    void importRefusesAnUnknownDomainOrEmptyHashNamingTheLine() throws Exception {
        var nf = assertThrows(NotFoundException.class, () -> admin.importUsers(List.of(
                new ImportedUser(a("bob@example.test"), "{PLAIN}pw", 1),
                new ImportedUser(a("bob@example.org"), "{PLAIN}pw", 2))));
        assertTrue(nf.getMessage().contains("line 2"), nf.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> admin.importUsers(List.of(
                new ImportedUser(a("bob@example.test"), " ", 4))));
        assertTrue(bad.getMessage().contains("line 4"), bad.getMessage());
        assertEquals(1, admin.users(Optional.empty()).size());
    }

    // ---- aliases

    @Test
    void aliasesAreAddedReplacedListedAndRemoved() throws Exception {
        admin.addUser(a("bob@example.test"), pw("pw"), Quota.NONE);
        admin.addAlias(a("team@example.test"), List.of(a("bob@example.test"), a("alice@example.test")));
        admin.addAlias(a("info@example.test"), List.of(a("alice@example.test")));
        assertEquals(List.of(
                        new Alias(a("info@example.test"), List.of(a("alice@example.test"))),
                        new Alias(a("team@example.test"), List.of(a("bob@example.test"), a("alice@example.test")))),
                admin.aliases(Optional.empty()));

        admin.addAlias(a("team@example.test"), List.of(a("alice@example.test")));
        assertEquals(new Alias(a("team@example.test"), List.of(a("alice@example.test"))),
                admin.aliases(Optional.of("example.test")).get(1));

        admin.removeAlias(a("TEAM@example.test"));
        assertEquals(1, admin.aliases(Optional.empty()).size());
        assertThrows(NotFoundException.class, () -> admin.removeAlias(a("team@example.test")));
    }

    @Test
    void aliasErrors() {
        assertThrows(NotFoundException.class,
                () -> admin.addAlias(a("team@example.test"), List.of(a("nobody@example.test"))));
        assertThrows(NotFoundException.class,
                () -> admin.addAlias(a("team@example.org"), List.of(a("alice@example.test"))));
        assertThrows(IllegalArgumentException.class, () -> admin.addAlias(a("team@example.test"), List.of()));
        assertThrows(NotFoundException.class, () -> admin.aliases(Optional.of("example.org")));
    }

    // ---- status and durability

    @Test
    void statsCountMessagesEntriesAndFreeSpace() throws Exception {
        f.entry("alice@example.test", 100);
        f.entry("alice@example.test", 50);
        StoreStats s = admin.stats();
        assertEquals(2, s.messages());
        assertEquals(2, s.entries());
        assertEquals(150, s.octets());
        assertTrue(s.spoolFreeBytes() > 0 && s.indexFreeBytes() > 0 && s.badmailFreeBytes() > 0);
        assertTrue(s.indexSizeBytes() > 0);
    }

    @Test
    void changesSurviveAReopen() throws Exception {
        admin.addAlias(a("team@example.test"), List.of(a("alice@example.test")));
        f.close();
        f = new AccountsFixture(dir);
        assertEquals(1, f.admin.users(Optional.empty()).size());
        assertEquals(1, f.admin.aliases(Optional.empty()).size());
        assertTrue(f.accounts.authenticate("alice@example.test", pw("secret")).isPresent());
    }

    private static char[] pw(String s) {
        return s.toCharArray();
    }
}
