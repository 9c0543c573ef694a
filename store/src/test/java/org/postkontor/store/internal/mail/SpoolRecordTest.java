package org.postkontor.store.internal.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpoolRecordTest {

    private static final Instant AT = Instant.parse("2026-11-27T18:30:35.123456Z");
    private static final List<SpoolRecord.Entry> TWO = List.of(
            new SpoolRecord.Entry("alice@example.test", "q-1"), new SpoolRecord.Entry("bob@example.test", "q-1"));

    private static byte[] concat(byte[] a, String b) {
        byte[] bb = b.getBytes(StandardCharsets.UTF_8);
        byte[] r = Arrays.copyOf(a, a.length + bb.length);
        System.arraycopy(bb, 0, r, a.length, bb.length);
        return r;
    }

    private static boolean valid(String head) {
        return SpoolRecord.parse(head.getBytes(StandardCharsets.UTF_8)).isPresent();
    }

    @Test
    void roundTripGivesTheFieldsAndWhereTheMessageStarts() {
        byte[] header = SpoolRecord.encode("q-1", AT, TWO);
        byte[] file = concat(header, "Subject: x\r\n\r\nentry: not a header line\r\n");
        SpoolRecord r = SpoolRecord.parse(file).orElseThrow();
        assertEquals("q-1", r.queueId());
        assertEquals(AT, r.received());
        assertEquals(TWO, r.entries());
        assertEquals(header.length, r.bodyOffset());
        assertEquals("Subject: x\r\n", new String(file, (int) r.bodyOffset(), 12, StandardCharsets.UTF_8));
    }

    @Test
    void theFormatIsPlainText() {
        assertEquals("POSTKONTOR-SPOOL 1\nqueue-id: q-1\nreceived: 2026-11-27T18:30:35.123456Z\n"
                        + "entry: alice@example.test q-1\nentry: bob@example.test q-1\n\n",
                new String(SpoolRecord.encode("q-1", AT, TWO), StandardCharsets.UTF_8));
    }

    @Test
    void anImportedUidlIsKept() {
        SpoolRecord r = SpoolRecord.parse(SpoolRecord.encode("q-2", AT,
                List.of(new SpoolRecord.Entry("o'neil@example.test", "UID~42!")))).orElseThrow();
        assertEquals(new SpoolRecord.Entry("o'neil@example.test", "UID~42!"), r.entries().get(0));
    }

    @Test
    void anythingElseIsNoRecord() {
        String ok = "POSTKONTOR-SPOOL 1\nqueue-id: q\nreceived: 2026-11-27T18:30:35Z\nentry: a@b.test u\n\n";
        assertTrue(valid(ok));
        assertTrue(!valid("Subject: an old body without a record\r\n\r\nhello\r\n"), "no magic");
        assertTrue(!valid(""), "empty file");
        assertTrue(!valid(ok.replace("SPOOL 1", "SPOOL 2")), "other version");
        assertTrue(!valid(ok.substring(0, ok.length() - 1)), "no blank line: cut off");
        assertTrue(!valid(ok.replace("queue-id: q\n", "")), "no queue id");
        assertTrue(!valid(ok.replace("received: 2026-11-27T18:30:35Z\n", "")), "no arrival");
        assertTrue(!valid(ok.replace("2026-11-27T18:30:35Z", "yesterday")), "bad instant");
        assertTrue(!valid(ok.replace("entry: a@b.test u\n", "")), "no entry");
        assertTrue(!valid(ok.replace("entry: a@b.test u\n", "entry: a@b.test\n")), "entry without UIDL");
        assertTrue(!valid(ok.replace("entry: a@b.test u\n", "entry: ab.test u\n")), "not an address");
        assertTrue(!valid(ok.replace("entry: a@b.test u\n", "entry: a@b.test u\nentry: a@b.test u\n")),
                "entry twice");
        assertTrue(!valid(ok.replace("queue-id: q\n", "queue-id: q\nqueue-id: r\n")), "field twice");
        assertTrue(!valid(ok.replace("queue-id: q\n", "queue-id: q\nx-other: 1\n")), "unknown field");
        assertTrue(!valid(ok.replace("entry: a@b.test u\n", "entry: a@b.test " + "u".repeat(71) + "\n")),
                "UIDL too long");
        byte[] huge = concat(SpoolRecord.MAGIC.getBytes(StandardCharsets.US_ASCII),
                "\nentry: " + "x".repeat(SpoolRecord.MAX_HEADER) + "@b.test u\n\n");
        assertTrue(SpoolRecord.parse(Arrays.copyOf(huge, SpoolRecord.MAX_HEADER)).isEmpty(), "header too long");
    }

    @Test
    void whatCannotBeRecordedIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SpoolRecord.encode("q", AT, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> SpoolRecord.encode("q", AT, List.of(new SpoolRecord.Entry("a@b.test", "has space"))));
        assertThrows(IllegalArgumentException.class,
                () -> SpoolRecord.encode("q", AT, List.of(new SpoolRecord.Entry("a\n@b.test", "u"))));
    }
}
