package org.postkontor.admin.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MboxReaderTest {

    @TempDir
    Path dir;

    static final UidlFormat DOVECOT = UidlFormat.parse(UidlFormat.DOVECOT_DEFAULT);

    Path mbox(String text) throws IOException {
        Path p = dir.resolve("mbox");
        Files.writeString(p, text, StandardCharsets.ISO_8859_1);
        return p;
    }

    static String body(ImportMessage m) throws IOException {
        try (InputStream in = m.open()) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void splitsOnSeparatorsAndUnquotesFromLines() throws Exception {
        MboxReader.Result r = MboxReader.scan(mbox("""
                From alice@example.test Mon Jan  1 10:00:00 2024
                From: alice@example.test
                Subject: one
                X-UIDL: old-uidl-1

                Hello
                >From the start, quoted.
                >>From twice quoted.

                From bob@example.test Tue Jan  2 11:30:00 2024
                From: bob@example.test
                Subject: two

                Second
                """), MboxReader.Quoting.MBOXRD, DOVECOT);
        List<ImportMessage> m = r.messages();
        assertEquals(2, m.size());
        assertEquals("old-uidl-1", m.get(0).uidl());
        assertEquals("From: alice@example.test\nSubject: one\nX-UIDL: old-uidl-1\n\nHello\nFrom the start, quoted.\n"
                + ">From twice quoted.\n", body(m.get(0)));
        assertEquals("From: bob@example.test\nSubject: two\n\nSecond\n", body(m.get(1)));
        assertTrue(m.get(1).uidl().startsWith("sha256-"), m.get(1).uidl());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void mboxoUnquotesOnlyOneLevel() throws Exception {
        MboxReader.Result r = MboxReader.scan(mbox("From a@b Mon Jan  1 10:00:00 2024\nSubject: x\n\n>From a\n>>From b\n"),
                MboxReader.Quoting.MBOXO, DOVECOT);
        assertEquals("Subject: x\n\nFrom a\n>>From b\n", body(r.messages().get(0)));
    }

    @Test
    void fromLinesInsideBodiesStayInTheBody() throws Exception {
        MboxReader.Result r = MboxReader.scan(mbox("""
                From alice@example.test Mon Jan  1 10:00:00 2024
                Subject: one

                Dear Bob,
                From what I hear, this is fine.

                From now on, we meet on Mondays.

                From bob@example.test Mon Jan  1 10:00:00 2024
                is a line that looks like a separator but no header follows it.

                From bob@example.test Tue Jan  2 11:30:00 2024
                Subject: two

                Second
                """), MboxReader.Quoting.MBOXRD, DOVECOT);
        assertEquals(2, r.messages().size());
        String first = body(r.messages().get(0));
        assertTrue(first.contains("From what I hear"), first);
        assertTrue(first.contains("\nFrom now on, we meet on Mondays.\n"), first);
        assertTrue(first.endsWith("From bob@example.test Mon Jan  1 10:00:00 2024\n"
                + "is a line that looks like a separator but no header follows it.\n"), first);
        assertEquals(3, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).startsWith("line 5: unquoted 'From ' line"), r.warnings().toString());
        assertTrue(r.warnings().get(2).startsWith("line 9: 'From ' line inside a message body"), r.warnings().toString());
    }

    @Test
    void contentLengthKeepsASeparatorLookalikeInTheBody() throws Exception {
        String body = "x\n\nFrom z@example.test Mon Jan  1 10:00:00 2024\nSubject: not a message\n";
        MboxReader.Result r = MboxReader.scan(mbox("From a@b Mon Jan  1 10:00:00 2024\nSubject: x\nContent-Length: "
                + body.length() + "\n\n" + body + "\nFrom a@b Mon Jan  1 10:00:00 2024\nSubject: y\n\ny\n"),
                MboxReader.Quoting.MBOXRD, DOVECOT);
        assertEquals(2, r.messages().size());
        assertTrue(body(r.messages().get(0)).endsWith(body), body(r.messages().get(0)));
    }

    @Test
    void dovecotXUidAndImapBaseGiveDovecotUidls() throws Exception {
        MboxReader.Result r = MboxReader.scan(mbox("""
                From MAILER_DAEMON Mon Jan  1 10:00:00 2024
                Date: Mon, 1 Jan 2024 10:00:00 +0000
                From: Mail System Internal Data <MAILER-DAEMON@host>
                Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA
                X-IMAP: 1700000000 0000000002

                This text is part of the internal format of your mail folder.

                From a@example.test Mon Jan  1 10:00:00 2024
                Subject: one
                X-UID: 1

                one

                From a@example.test Mon Jan  1 10:00:00 2024
                Subject: two
                X-UID: 2

                two
                """), MboxReader.Quoting.MBOXRD, DOVECOT);
        assertEquals(2, r.messages().size(), "the folder-data message is skipped");
        assertEquals("00000001" + Long.toHexString(1700000000L), r.messages().get(0).uidl());
        assertEquals("00000002" + Long.toHexString(1700000000L), r.messages().get(1).uidl());
    }

    @Test
    void identicalMessagesGetDistinctStableUidls() throws Exception {
        String one = "From a@b Mon Jan  1 10:00:00 2024\nSubject: same\n\nsame\n\n";
        List<ImportMessage> a = MboxReader.scan(mbox(one + one), MboxReader.Quoting.MBOXRD, DOVECOT).messages();
        List<ImportMessage> b = MboxReader.scan(mbox(one + one), MboxReader.Quoting.MBOXRD, DOVECOT).messages();
        assertNotEquals(a.get(0).uidl(), a.get(1).uidl());
        assertEquals(a.get(0).uidl(), b.get(0).uidl());
        assertEquals(a.get(1).uidl(), b.get(1).uidl());
    }

    @Test
    void notAnMbox() {
        ImportException e = assertThrows(ImportException.class,
                () -> MboxReader.scan(mbox("Subject: hi\n\nbody\n"), MboxReader.Quoting.MBOXRD, DOVECOT));
        assertEquals("line 1: not an mbox file (it must start with a 'From ' line)", e.getMessage());
    }

    @Test
    void messageWithoutHeaderIsAnError() {
        ImportException e = assertThrows(ImportException.class, () -> MboxReader.scan(mbox(
                "From a@b Mon Jan  1 10:00:00 2024\nthis is no header\n"), MboxReader.Quoting.MBOXRD, DOVECOT));
        assertTrue(e.getMessage().contains("line 2: the message that starts on line 1 has no header"), e.getMessage());
    }

    @Test
    void crlfFilesWork() throws Exception {
        MboxReader.Result r = MboxReader.scan(mbox("From a@b Mon Jan  1 10:00:00 2024\r\nSubject: x\r\n\r\nbody\r\n"
                + "\r\nFrom a@b Mon Jan  1 10:00:00 2024\r\nSubject: y\r\n\r\ny\r\n"), MboxReader.Quoting.MBOXRD, DOVECOT);
        assertEquals(2, r.messages().size());
        assertEquals("Subject: x\r\n\r\nbody\r\n", body(r.messages().get(0)));
    }
}
