package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The data checks, with the input split at every possible point. */
class DataScannerTest {

    private static DataScanner scan(String data, int max) {
        byte[] b = data.getBytes(StandardCharsets.ISO_8859_1);
        DataScanner last = null;
        for (int split = 0; split <= b.length; split++) {
            DataScanner s = new DataScanner(max);
            s.scan(b, 0, split);
            s.scan(b, split, b.length - split);
            if (last != null) {
                assertEquals(last.receivedHeaders(), s.receivedHeaders(), "split at " + split);
                assertEquals(last.sawLongLine(), s.sawLongLine(), "split at " + split);
            }
            last = s;
        }
        return last;
    }

    @Test
    void countsReceivedHeadersOnlyInTheHeader() {
        DataScanner s = scan("Received: a\r\nreceived: b\n X-Received: c\r\nRECEIVED:d\r\nReceivedX: e\r\n\r\nReceived: body\r\n", 1000);
        assertEquals(3, s.receivedHeaders());
    }

    @Test
    void lineLengthCountsCrlf() {
        assertFalse(scan("x".repeat(998) + "\r\n", 1000).sawLongLine());
        assertTrue(scan("x".repeat(999) + "\r\n", 1000).sawLongLine());
        assertTrue(scan("a\n" + "x".repeat(999) + "\nb", 1000).sawLongLine());
    }

    @Test
    void nulAnd8bit() {
        assertTrue(scan("a\0b\r\n", 1000).sawNul());
        assertTrue(scan("Gr\u00fc\u00dfe\r\n", 1000).saw8bit());
        assertFalse(scan("plain\r\n", 1000).saw8bit());
    }

    @Test
    void equalsTheByteByByteSpecificationOnRandomMessages() {
        java.util.Random random = new java.util.Random(5321);
        byte[] alphabet = {'a', 'R', 'e', 'c', 'i', 'v', 'd', ':', '\r', '\n', '\r', '\n', 0, (byte) 0xe9, '\t', ' '};
        for (int k = 0; k < 5_000; k++) {
            byte[] b = new byte[random.nextInt(120)];
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            if (random.nextBoolean() && b.length > 20) {
                System.arraycopy("Received: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 15);
            }
            int max = 4 + random.nextInt(40);
            DataScanner s = new DataScanner(max);
            int piece = 1 + random.nextInt(b.length + 1);
            for (int at = 0; at < b.length; at += piece) {
                s.scan(b, at, Math.min(piece, b.length - at));
            }
            Reference r = new Reference(max);
            for (byte x : b) {
                r.scan(x & 0xff);
            }
            String what = java.util.Arrays.toString(b) + " max " + max + " pieces of " + piece;
            assertEquals(r.received, s.receivedHeaders(), what);
            assertEquals(r.sawLongLine, s.sawLongLine(), what);
            assertEquals(r.saw8bit, s.saw8bit(), what);
            assertEquals(r.sawNul, s.sawNul(), what);
        }
    }

    /** The checks one octet at a time, as the class documents them. */
    private static final class Reference {
        private static final byte[] RECEIVED = "received:".getBytes(StandardCharsets.US_ASCII);
        private final int max;
        int lineLength;
        boolean inHeaders = true;
        boolean nameMatches = true;
        boolean sawNul;
        boolean sawLongLine;
        boolean saw8bit;
        int received;
        int prev = -1;

        Reference(int max) {
            this.max = max;
        }

        void scan(int c) {
            sawNul |= c == 0;
            saw8bit |= c >= 0x80;
            if (c == '\n' && prev == '\r') {
                prev = c;
                return;
            }
            prev = c;
            if (c == '\n' || c == '\r') {
                if (inHeaders && lineLength == 0) {
                    inHeaders = false;
                } else if (inHeaders && nameMatches && lineLength >= RECEIVED.length) {
                    received++;
                }
                lineLength = 0;
                nameMatches = true;
                return;
            }
            if (inHeaders && lineLength < RECEIVED.length && Character.toLowerCase(c) != RECEIVED[lineLength]) {
                nameMatches = false;
            }
            lineLength++;
            sawLongLine |= lineLength > max - 2;
        }
    }
}
