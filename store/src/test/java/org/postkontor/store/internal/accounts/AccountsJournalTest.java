package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.accounts.AccountsFixture.a;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Resolution;
import org.postkontor.store.StoreException;

/**
 * The accounts are an in-memory database rebuilt at every open from the snapshot and the journal:
 * what was acknowledged is there after any stop, a torn last line is a change never acknowledged,
 * damage stops the start, and the H2 file of the earlier version is taken over once.
 */
class AccountsJournalTest {

    @TempDir
    Path dir;

    /** Every row of every accounts table, as the journal would write it. */
    private static List<String> rows(AccountsDatabase db) throws StoreException {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            for (Table t : Table.values()) {
                for (Map<String, String> row : RowCodec.readAll(c, t)) {
                    out.add(RowChange.put(t, row).text());
                }
            }
            return out;
        });
    }

    /** Domains, users of every kind of change, aliases: what a busy admin does. */
    private static void manyChanges(AccountsFixture f) throws Exception {
        f.admin.addDomain("example.test");
        f.admin.addDomain("example.org");
        f.admin.addUser(a("alice@example.test"), "secret".toCharArray(), new Quota(1000, 5));
        f.admin.addUser(a("bob@example.test"), "secret".toCharArray(), Quota.NONE);
        f.admin.addUser(a("carol@example.org"), "pa|ss=wo%rd\ttab".toCharArray(), Quota.NONE);
        f.admin.importUsers(List.of(new ImportedUser(a("dave@example.test"), "{PLAIN}imported", 1)));
        f.admin.setPassword(a("bob@example.test"), "changed".toCharArray());
        f.admin.setQuota(a("alice@example.test"), new Quota(2000, 0));
        f.admin.setEnabled(a("bob@example.test"), false);
        f.admin.addAlias(a("team@example.test"), List.of(a("bob@example.test"), a("alice@example.test")));
        f.admin.addAlias(a("old@example.test"), List.of(a("alice@example.test")));
        f.admin.removeAlias(a("old@example.test"));
        f.admin.setPolicy("example.test", new RecipientPolicy.CatchAll("alice"));
        f.admin.addUser(a("gone@example.org"), "x".toCharArray(), Quota.NONE);
        f.admin.removeUser(a("gone@example.org"), false);
    }

    private Path crashCopy(Path index) throws Exception {
        return AccountsFixture.crashCopy(index, dir);
    }

    @Test
    void everyKindOfChangeSurvivesACleanCloseAndAKill() throws Exception {
        List<String> expected;
        Path killed;
        try (AccountsFixture f = new AccountsFixture(dir)) {
            manyChanges(f);
            expected = rows(f.db);
            killed = crashCopy(f.config.indexDir());
        }
        assertEquals(0, Files.size(dir.resolve("index").resolve(AccountsJournal.LOG)), "folded at close");
        try (AccountsDatabase db = AccountsFixture.open(dir.resolve("index"))) {
            assertEquals(expected, rows(db), "after a clean close: from the snapshot");
        }
        assertTrue(Files.size(killed.resolve(AccountsJournal.LOG)) > 0, "a kill leaves the journal");
        try (AccountsDatabase db = AccountsFixture.open(killed)) {
            assertEquals(expected, rows(db), "after a kill: snapshot and journal");
            assertEquals(new Resolution.Local(List.of(a("bob@example.test"), a("alice@example.test"))),
                    new AccountsDirectory(db).resolve(a("team@example.test")), "alias targets in their order");
        }
    }

    @Test
    void aTornLastLineIsAChangeNeverAcknowledged() throws Exception {
        Path killed;
        try (AccountsFixture f = new AccountsFixture(dir)) {
            f.admin.addDomain("example.test");
            f.admin.addUser(a("alice@example.test"), "secret".toCharArray(), Quota.NONE);
            killed = crashCopy(f.config.indexDir());
        }
        Path log = killed.resolve(AccountsJournal.LOG);
        byte[] all = Files.readAllBytes(log);
        Files.write(log, Arrays.copyOf(all, all.length - 7)); // the user's line, cut by the kill
        try (AccountsDatabase db = AccountsFixture.open(killed)) {
            List<String> rows = rows(db);
            assertEquals(1, rows.size(), rows.toString());
            assertTrue(rows.get(0).startsWith("P|domains|name=example.test"), rows.toString());
        }
    }

    @Test
    void aDamagedLineStopsTheStartAndSaysWhatToDo() throws Exception {
        Path killed;
        try (AccountsFixture f = new AccountsFixture(dir)) {
            f.admin.addDomain("example.test");
            f.admin.addDomain("example.org");
            killed = crashCopy(f.config.indexDir());
        }
        Path log = killed.resolve(AccountsJournal.LOG);
        Files.writeString(log, Files.readString(log).replaceFirst("example\\.test", "exbmple.test"));
        StoreException e = assertThrows(StoreException.class, () -> AccountsFixture.open(killed));
        assertTrue(e.getMessage().contains("restore"), e.getMessage());
    }

    @Test
    void aKillBetweenTheSnapshotAndTheJournalsEmptyingAppliesNothingTwice() throws Exception {
        Path index = dir.resolve("index");
        Path savedLog = dir.resolve("saved.log");
        List<String> expected;
        try (AccountsFixture f = new AccountsFixture(dir)) {
            manyChanges(f);
            expected = rows(f.db);
            Files.copy(index.resolve(AccountsJournal.LOG), savedLog);
        }
        // the snapshot is in place, the journal still holds the lines it folded in
        Files.copy(savedLog, index.resolve(AccountsJournal.LOG), StandardCopyOption.REPLACE_EXISTING);
        try (AccountsDatabase db = AccountsFixture.open(index)) {
            assertEquals(expected, rows(db));
        }
    }

    @Test
    void theIndexFileOfTheEarlierVersionIsTakenOverOnce() throws Exception {
        Path index = Files.createDirectories(dir.resolve("index"));
        String url = "jdbc:h2:file:" + index.toAbsolutePath().resolve("postkontor") + ";DB_CLOSE_ON_EXIT=FALSE";
        Flyway.configure().dataSource(url, "postkontor", "").locations("classpath:db/legacy").load().migrate();
        try (Connection c = DriverManager.getConnection(url, "postkontor", "")) {
            OffsetDateTime t = OffsetDateTime.parse("2026-11-01T10:00:00Z");
            update(c, "INSERT INTO domains (id, name, policy, created_at) VALUES (7, 'example.test', 'catch-all:alice', ?)", t);
            update(c, "INSERT INTO users (domain_id, local_part, address, password_hash, scram_salt, scram_iterations,"
                    + " quota_bytes, enabled, created_at) VALUES (7, 'alice', 'alice@example.test', '{PLAIN}secret',"
                    + " X'0102', 4096, 1234, TRUE, ?)", t);
            update(c, "INSERT INTO users (domain_id, local_part, address, password_hash, enabled, created_at)"
                    + " VALUES (7, 'bob', 'bob@example.test', '{PLAIN}other', FALSE, ?)", t);
            update(c, "INSERT INTO aliases (domain_id, address, target) VALUES (7, 'team@example.test', 'bob@example.test')");
            update(c, "INSERT INTO aliases (domain_id, address, target) VALUES (7, 'team@example.test', 'alice@example.test')");
            c.createStatement().execute("SHUTDOWN");
        }
        try (AccountsFixture f = new AccountsFixture(dir)) {
            assertEquals("catch-all:alice", f.admin.domains().get(0).policy().text());
            assertEquals(1234, f.admin.user(a("alice@example.test")).orElseThrow().quotaBytes());
            assertFalse(f.admin.user(a("bob@example.test")).orElseThrow().enabled());
            assertEquals(Optional.of(a("alice@example.test")), f.accounts.authenticate("alice@example.test",
                    "secret".toCharArray()));
            assertEquals(List.of(a("bob@example.test"), a("alice@example.test")),
                    f.admin.aliases(Optional.empty()).get(0).targets());
        }
        assertFalse(Files.exists(index.resolve("postkontor.mv.db")));
        assertTrue(Files.exists(index.resolve("postkontor.mv.db.replaced")), "kept for the admin");
        try (AccountsFixture f = new AccountsFixture(dir)) {
            assertEquals(2, f.admin.users(Optional.empty()).size(), "taken over once, then the journal's");
        }
    }

    private static void update(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
