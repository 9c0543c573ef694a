package org.postkontor.admin.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirReaderTest {

    @TempDir
    Path maildir;

    static final UidlFormat DOVECOT = UidlFormat.parse(UidlFormat.DOVECOT_DEFAULT);

    @BeforeEach
    void layout() throws IOException {
        Files.createDirectories(maildir.resolve("cur"));
        Files.createDirectories(maildir.resolve("new"));
        Files.createDirectories(maildir.resolve("tmp"));
        Files.createDirectories(maildir.resolve(".Sent/cur"));
    }

    void put(String sub, String name, String text) throws IOException {
        Files.writeString(maildir.resolve(sub).resolve(name), text, StandardCharsets.US_ASCII);
    }

    @Test
    void keepsDovecotUidlsInUidOrder() throws Exception {
        put("cur", "1700000002.M2P9.old,S=30,W=32:2,S", "Subject: b\r\n\r\nsecond message\r\n");
        put("new", "1700000001.M1P9.old", "Subject: a\r\n\r\nfirst\r\n");
        put("new", "1700000009.M9P9.old", "Subject: c\r\nX-UIDL: from-qpopper\r\n\r\nthird\r\n");
        put("new", "1700000010.M10P9.old", "Subject: d\r\n\r\nfourth\r\n");
        put(".Sent/cur", "1700000003.M3P9.old:2,S", "Subject: sent\r\n\r\nnot POP3's\r\n");
        put("tmp", "1700000004.M4P9.old", "half written");
        Files.writeString(maildir.resolve("dovecot-uidlist"), """
                3 V1700000000 N8 G0123456789abcdef0123456789abcdef
                5 :1700000001.M1P9.old
                7 W32 P0000abcd :1700000002.M2P9.old,S=30,W=32
                """);
        List<ImportMessage> m = MaildirReader.scan(maildir, DOVECOT);
        assertEquals(List.of("000000056553f100", "0000abcd", "from-qpopper"),
                m.subList(0, 3).stream().map(ImportMessage::uidl).toList());
        assertTrue(m.get(3).uidl().startsWith("sha256-"));
        assertEquals(4, m.size(), "tmp/ and subfolders are not imported");
        assertEquals("new/1700000001.M1P9.old", m.get(0).origin());
    }

    @Test
    void corruptFilesAreNamedAndNothingIsReturned() throws Exception {
        put("cur", "1700000001.M1P9.old,S=500:2,S", "Subject: truncated\r\n\r\nonly part of it");
        put("cur", "1700000002.M2P9.old:2,", "");
        put("new", "1700000003.M3P9.old", "\u0000\u0001\u0002 binary garbage\r\n");
        put("new", "1700000004.M4P9.old", "Subject: fine\r\n\r\nfine\r\n");
        ImportException e = assertThrows(ImportException.class, () -> MaildirReader.scan(maildir, DOVECOT));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("cur/1700000001.M1P9.old,S=500:2,S: file is 37 bytes but its name "
                + "says S=500"), e.getMessage());
        assertTrue(e.problems().get(1).startsWith("cur/1700000002.M2P9.old:2,: empty file"), e.getMessage());
        assertTrue(e.problems().get(2).startsWith("new/1700000003.M3P9.old: does not start with a header field"),
                e.getMessage());
    }

    @Test
    void malformedUidlistIsNamed() throws Exception {
        put("new", "1700000001.M1P9.old", "Subject: a\r\n\r\nfirst\r\n");
        Files.writeString(maildir.resolve("dovecot-uidlist"), "3 V1700000000 N8\nnot-a-number :x\n");
        ImportException e = assertThrows(ImportException.class, () -> MaildirReader.scan(maildir, DOVECOT));
        assertEquals("dovecot-uidlist line 2: not '<uid> ... :<file>'", e.getMessage());
    }

    @Test
    void notAMaildir() {
        ImportException e = assertThrows(ImportException.class,
                () -> MaildirReader.scan(maildir.resolve(".Sent/cur"), DOVECOT));
        assertTrue(e.getMessage().endsWith("not a Maildir (no cur/ or new/)"), e.getMessage());
    }

    @Test
    void uidlFormats() {
        assertEquals("0000000a0000ffff", UidlFormat.parse("%08Xu%08Xv").format(10, 65535, "g", "f"));
        assertEquals("10.65535", UidlFormat.parse("%u.%v").format(10, 65535, "g", "f"));
        assertEquals("guid-file", UidlFormat.parse("%g-%f").format(1, 1, "guid", "file"));
        assertThrows(IllegalArgumentException.class, () -> UidlFormat.parse("%m"));
    }
}
