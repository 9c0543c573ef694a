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
}
