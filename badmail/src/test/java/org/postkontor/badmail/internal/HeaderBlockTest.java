package org.postkontor.badmail.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postkontor.badmail.BadmailDetail.Header;

class HeaderBlockTest {

    private static HeaderBlock.Parsed parse(String s, int max) throws IOException {
        return HeaderBlock.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void readsFieldsInOrderAndUnfolds() throws IOException {
        HeaderBlock.Parsed p = parse("From: a@b.test\r\nSubject: one\r\n two\r\n\tthree\r\nX-Empty:\r\n\r\nBody: no\r\n", 4096);
        assertEquals(List.of(new Header("From", "a@b.test"), new Header("Subject", "one two\tthree"),
                new Header("X-Empty", "")), p.headers());
        assertFalse(p.truncated());
        assertEquals(0, p.malformedLines());
    }

    @Test
    void acceptsBareLfLineEnds() throws IOException {
        HeaderBlock.Parsed p = parse("A: 1\nB: 2\n continued\n\nbody\n", 4096);
        assertEquals(List.of(new Header("A", "1"), new Header("B", "2 continued")), p.headers());
    }

    @Test
    void aMessageWithoutBodyOrFinalLineEndStillParses() throws IOException {
        assertEquals(List.of(new Header("A", "1"), new Header("B", "2")), parse("A: 1\r\nB: 2", 4096).headers());
        assertEquals(List.of(), parse("", 4096).headers());
        assertEquals(List.of(), parse("\r\nA: not a header\r\n", 4096).headers());
    }

    @Test
    void countsAndSkipsMalformedLines() throws IOException {
        HeaderBlock.Parsed p = parse(" leading continuation\r\nFrom x@y Sat Nov  1 00:00:00 2026\r\n"
                + ": no name\r\nGood: yes\r\nBad Name: no\r\n\r\n", 4096);
        assertEquals(List.of(new Header("Good", "yes")), p.headers());
        assertEquals(4, p.malformedLines());
    }

    @Test
    void decodesUtf8AndNeutralizesControlCharacters() throws IOException {
        HeaderBlock.Parsed p = parse("Subject: Grüße \u001b[31mred\u0000\r\n\r\n", 4096);
        assertEquals("Grüße \uFFFD[31mred\uFFFD", p.headers().get(0).value());
    }

    @Test
    void stopsAtTheLimitAndNeverReadsTheBody() throws IOException {
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            head.append("X-Line-").append(i).append(": ").append("v".repeat(30)).append("\r\n");
        }
        byte[] bytes = (head + "\r\nbody").getBytes(StandardCharsets.US_ASCII);
        int[] read = {0};
        InputStream counting = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read() {
                read[0]++;
                return super.read();
            }
        };
        HeaderBlock.Parsed p = HeaderBlock.read(counting, 1024);
        assertTrue(p.truncated());
        assertEquals(1024, read[0]);
        assertTrue(p.headers().size() >= 20 && p.headers().size() < 100, "" + p.headers().size());
        assertTrue(p.headers().stream().allMatch(h -> h.value().equals("v".repeat(30))), "no partial line kept");

        int[] read2 = {0};
        byte[] small = "A: 1\r\n\r\nthe body must not be read".getBytes(StandardCharsets.US_ASCII);
        HeaderBlock.read(new ByteArrayInputStream(small) {
            @Override
            public synchronized int read() {
                read2[0]++;
                return super.read();
            }
        }, 4096);
        assertEquals(8, read2[0]);
    }
}
