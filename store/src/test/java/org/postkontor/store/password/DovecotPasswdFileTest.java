package org.postkontor.store.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.MailAddress;

class DovecotPasswdFileTest {

    static List<ImportedUser> parse(String text, String domain) throws PasswdFileException {
        return DovecotPasswdFile.parse(text.getBytes(StandardCharsets.UTF_8), domain);
    }

    @Test
    void readsDovecotLinesWithAndWithoutOptionalFields() throws Exception {
        List<ImportedUser> users = parse("""
                # users moved from the old box
                alice@example.test:{PLAIN}secret:1000:1000::/home/alice::userdb_quota_rule=*:storage=1G

                Bob@Example.TEST:{SHA512-CRYPT}$6$c5tziZz7qaib8puq$BaX408gmsmxcvwxXww8r/zOXjfwindD9CXY0e1iehnaXktU1sXvKItd5IUZ9jpL0pGNo7seNiSJgWJpppcIhH0
                carol:$2y$05$GFPUVfR4pxnO7X9J/syJXeR.pty0dcTiQSa7r3AD/SikVIlzRxEjm:::::\r
                """, "example.test");
        assertEquals(3, users.size());
        assertEquals(new ImportedUser(MailAddress.parse("alice@example.test"), "{PLAIN}secret", 2), users.get(0));
        assertEquals(MailAddress.parse("bob@example.test"), users.get(1).address());
        assertEquals(4, users.get(1).sourceLine());
        assertEquals("{CRYPT}$2y$05$GFPUVfR4pxnO7X9J/syJXeR.pty0dcTiQSa7r3AD/SikVIlzRxEjm", users.get(2).storedHash());
        assertEquals(MailAddress.parse("carol@example.test"), users.get(2).address());
    }

    @Test
    void everyBadLineIsNamedAndNothingIsReturned() {
        PasswdFileException e = assertThrows(PasswdFileException.class, () -> parse("""
                alice@example.test:{PLAIN}secret
                no-colon-at-all@example.test
                :{PLAIN}x
                dave@example.test:
                eve@example.test:{MD4}abcdef
                bad address@example.test:{PLAIN}x
                alice@EXAMPLE.test:{PLAIN}again
                frank:{PLAIN}x
                grace@example.test:{SSHA512}not*base64
                """, null));
        List<Integer> lines = e.problems().stream().map(PasswdFileException.Problem::line).toList();
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9), lines);
        String text = e.getMessage();
        assertTrue(text.contains("line 2: user no-colon-at-all@example.test has no password field"), text);
        assertTrue(text.contains("line 4: user dave@example.test has an empty password field"), text);
        assertTrue(text.contains("line 5: user eve@example.test: unsupported password scheme {MD4}"), text);
        assertTrue(text.contains("line 7: user alice@example.test is already on line 1"), text);
        assertTrue(text.contains("line 8: user name 'frank' has no @domain"), text);
        assertFalse(text.contains("again"), "never shows a password");
        assertFalse(text.contains("not*base64"), "never shows a hash");
    }

    @Test
    void nonUtf8LineIsNamed() {
        byte[] bytes = "a@example.test:{PLAIN}x\nb@example.test:{PLAIN}\u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        PasswdFileException e = assertThrows(PasswdFileException.class, () -> DovecotPasswdFile.parse(bytes, null));
        assertEquals("line 2: not UTF-8 text", e.getMessage());
    }

    @Test
    void emptyFileIsNoUsers() throws Exception {
        assertEquals(List.of(), parse("", null));
        assertEquals(List.of(), parse("# only a comment\n\n", null));
    }
}
