package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderEditsTest {

    private static String edit(String message, Map<String, Integer> remove, int chunk) throws Exception {
        InputStream in = new HeaderEdits(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)), remove);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] b = new byte[chunk];
        int n;
        while ((n = in.read(b)) >= 0) {
            out.write(b, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void removesEveryOccurrenceWithItsFoldedLinesAndLeavesTheBodyAlone() throws Exception {
        String m = "X-Spam: Yes\r\nSubject: hi\r\nx-spam-status: No,\r\n\tscore=-5\r\nTo: a@b\r\n\r\nX-Spam: body\r\n";
        for (int chunk : new int[] {1, 3, 8192}) {
            assertEquals("Subject: hi\r\nTo: a@b\r\n\r\nX-Spam: body\r\n",
                    edit(m, Map.of("x-spam", 0, "x-spam-status", 0), chunk));
        }
    }

    @Test
    void removesOnlyTheNthOccurrence() throws Exception {
        String m = "A: 1\r\nA: 2\r\nA: 3\r\n\r\nbody\r\n";
        assertEquals("A: 1\r\nA: 3\r\n\r\nbody\r\n", edit(m, Map.of("a", 2), 7));
    }

    @Test
    void stopsAtTheFirstLineThatIsNoField() throws Exception {
        String m = "Subject: hi\r\nno field here\r\nSubject: not a header\r\n";
        assertEquals("no field here\r\nSubject: not a header\r\n", edit(m, Map.of("subject", 0), 4));
    }

    @Test
    void aMessageWithoutBodyOrFinalLineEnd() throws Exception {
        assertEquals("To: x", edit("Subject: a\r\nTo: x", Map.of("subject", 0), 5));
        assertEquals("", edit("", Map.of("subject", 0), 5));
    }
}
