package org.postkontor.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DotStufferTest {

    private static String run(String message, long lines, int readSize) throws IOException {
        InputStream in = new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, readSize)); // split lines across reads
            }
        };
        DotStuffer d = new DotStuffer(in, lines);
        byte[] out = new byte[DotStuffer.minOutput()];
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int n;
        while ((n = d.read(out)) >= 0) {
            all.write(out, 0, n);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void stuffsLeadingDotsAcrossChunkBoundaries() throws IOException {
        String msg = "A: b\r\n\r\n.\r\n..x\r\nmid.dle\r\n.end\r\n";
        String want = "A: b\r\n\r\n..\r\n...x\r\nmid.dle\r\n..end\r\n.\r\n";
        for (int size = 1; size <= msg.length(); size++) {
            assertEquals(want, run(msg, -1, size), "read size " + size);
        }
    }

    @Test
    void lastLineWithoutCrlfGetsOneBeforeTheTerminator() throws IOException {
        assertEquals("A: b\r\n\r\nlast\r\n.\r\n", run("A: b\r\n\r\nlast", -1, 3));
    }

    @Test
    void emptyMessage() throws IOException {
        assertEquals(".\r\n", run("", -1, 8));
    }

    @Test
    void topCountsBodyLinesOnly() throws IOException {
        String msg = "A: b\r\nC: d\r\n\r\n1\r\n.2\r\n3\r\n";
        assertEquals("A: b\r\nC: d\r\n\r\n.\r\n", run(msg, 0, 2));
        assertEquals("A: b\r\nC: d\r\n\r\n1\r\n...2\r\n.\r\n".replace("...2", "..2"), run(msg, 2, 2));
        assertEquals(msg + ".\r\n", run(msg, 99, 5).replace("..2", ".2"));
    }

    @Test
    void largeMessageUsesBoundedChunks() throws IOException {
        StringBuilder b = new StringBuilder("S: x\r\n\r\n");
        for (int i = 0; i < 20000; i++) {
            b.append(i % 7 == 0 ? "." : "").append("line ").append(i).append("\r\n");
        }
        String out = run(b.toString(), -1, 8192);
        assertEquals(b.toString().replace("\r\n.", "\r\n..") + ".\r\n", out);
    }

    /** What RFC 1939 §3 asks for, octet by octet: the model the fast path must equal. */
    private static String stuffed(String message) {
        StringBuilder b = new StringBuilder();
        boolean lineStart = true;
        for (char c : message.toCharArray()) {
            if (lineStart && c == '.') {
                b.append('.');
            }
            b.append(c);
            lineStart = c == '\n';
        }
        return b.append(lineStart ? "" : "\r\n").append(".\r\n").toString();
    }

    @Test
    void wholeMessagesEqualTheOctetByOctetModel() throws IOException {
        SplittableRandom random = new SplittableRandom(1939);
        String alphabet = "\n.\r\u000B/-a"; // LF and dot, and their neighbours in ASCII
        for (int round = 0; round < 3000; round++) {
            StringBuilder m = new StringBuilder();
            int length = random.nextInt(round < 2000 ? 40 : 20000);
            for (int i = 0; i < length; i++) {
                m.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            int readSize = 1 + random.nextInt(round % 2 == 0 ? 17 : DotStuffer.CHUNK);
            assertEquals(stuffed(m.toString()), run(m.toString(), -1, readSize), "round " + round);
        }
    }

    @Test
    void findsEveryLineFeedBeforeADotAtEveryOffset() {
        SplittableRandom random = new SplittableRandom(5321);
        for (int round = 0; round < 2000; round++) {
            byte[] b = new byte[random.nextInt(64)];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) "\n.\u000B/\u0000\u0001".charAt(random.nextInt(6));
            }
            for (int from = 0; from <= b.length; from++) {
                int want = -1;
                for (int i = from; i + 1 < b.length && want < 0; i++) {
                    if (b[i] == '\n' && b[i + 1] == '.') {
                        want = i;
                    }
                }
                assertEquals(want, DotStuffer.lineFeedBeforeDot(b, from, b.length), "round " + round + " from " + from);
            }
        }
    }
}
