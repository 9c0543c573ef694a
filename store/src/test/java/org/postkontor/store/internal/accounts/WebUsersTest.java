package org.postkontor.store.internal.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.ConflictException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.WebUsers;

/** Web admin users: kept with the accounts, durable across a clean close and a kill, checked by hash. */
class WebUsersTest {

    @TempDir
    Path dir;

    private JdbcWebUsers webUsers(AccountsDatabase db) {
        return new JdbcWebUsers(db, new PlainPasswordHasher(), AccountsFixture.CLOCK);
    }

    private Path crashCopy(Path index) throws Exception {
        return AccountsFixture.crashCopy(index, dir);
    }

    @Test
    void aWebUserSurvivesACleanCloseAndAKill() throws Exception {
        Path index = dir.resolve("index");
        Path killed;
        try (AccountsDatabase db = AccountsFixture.open(index)) {
            JdbcWebUsers users = webUsers(db);
            users.add("Admin", "first-Pass-1".toCharArray());
            users.add("helper", "second-Pass-2".toCharArray());
            users.setPassword("admin", "changed-Pass-3".toCharArray());
            users.remove("helper");
            killed = crashCopy(index);
        }
        try (AccountsDatabase db = AccountsFixture.open(index)) {
            JdbcWebUsers users = webUsers(db);
            assertEquals(List.of("admin"), users.list().stream().map(WebUsers.WebUser::name).toList(), "after a close");
            assertTrue(users.authenticate("ADMIN", "changed-Pass-3".toCharArray()));
        }
        try (AccountsDatabase db = AccountsFixture.open(killed)) {
            JdbcWebUsers users = webUsers(db);
            assertEquals(List.of("admin"), users.list().stream().map(WebUsers.WebUser::name).toList(), "after a kill");
            assertTrue(users.authenticate("admin", "changed-Pass-3".toCharArray()));
            assertFalse(users.authenticate("admin", "first-Pass-1".toCharArray()), "the old password is gone");
            assertFalse(users.authenticate("helper", "second-Pass-2".toCharArray()), "the removed user is gone");
        }
    }

    @Test
    void anUnknownNameCostsAHashCheckAndNamesAreChecked() throws Exception {
        try (AccountsDatabase db = AccountsFixture.open(dir.resolve("index"))) {
            PlainPasswordHasher hasher = new PlainPasswordHasher();
            JdbcWebUsers users = new JdbcWebUsers(db, hasher, AccountsFixture.CLOCK);
            assertFalse(users.authenticate("nobody", "whatever-1".toCharArray()));
            assertEquals(1, hasher.verifications.get(), "an unknown name is verified against a dummy hash");
            users.add("admin", "first-Pass-1".toCharArray());
            assertThrows(ConflictException.class, () -> users.add("ADMIN", "other-Pass-2".toCharArray()));
            assertThrows(NotFoundException.class, () -> users.remove("nobody"));
            assertThrows(IllegalArgumentException.class, () -> users.add("bad name", "first-Pass-1".toCharArray()));
            assertThrows(IllegalArgumentException.class, () -> users.add("x".repeat(65), "first-Pass-1".toCharArray()));
            assertFalse(users.authenticate("bad name", "first-Pass-1".toCharArray()));
        }
    }
}
