package org.postkontor.admin.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    @TempDir
    Path dir;

    @Test
    void createdOnceOwnerOnlyAndKept() throws Exception {
        AdminToken t = AdminToken.ensure(dir);
        Path file = dir.resolve(AdminToken.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(t.value().length() >= 43);
        assertEquals(t.value(), AdminToken.ensure(dir).value(), "kept across restarts");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        AdminToken.ensure(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "tightened");
        assertTrue(t.matches(t.value()));
        assertFalse(t.matches(t.value() + "x"));
        assertFalse(t.matches(null));
        assertFalse(t.toString().contains(t.value()));
        Files.delete(file);
        assertNotEquals(t.value(), AdminToken.ensure(dir).value(), "rotated by deleting the file");
    }

    @Test
    void passwordPolicy() throws Exception {
        var alice = org.postkontor.store.MailAddress.parse("alice@example.test");
        PasswordPolicy.check(alice, "Correct-Horse-9".toCharArray());
        for (String weak : new String[] {"", "short", "aaaaaaaaaaaa", "password123", "alice@example.test", "alice123",
                "tab\there-pw"}) {
            try {
                PasswordPolicy.check(alice, weak.toCharArray());
                throw new AssertionError("accepted: " + weak);
            } catch (AdminError e) {
                assertEquals(400, e.status());
                assertFalse(!weak.isEmpty() && e.getMessage().contains(weak), "never echoes the password");
            }
        }
    }
}
