package org.postkontor.store.internal.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineEndsTest {

    @Test
    void loneCrAndLoneLfBecomeCrlfAndAnOpenLastLineIsEnded() {
        assertEquals("a\r\nb\r\nc\r\n\r\nd\r\n", normalized("a\nb\rc\r\n\nd", 1_000));
        assertEquals("\r\n\r\n", normalized("\r\r", 1_000));
        assertEquals("x\r\n\r\n", normalized("x\n\r", 1_000));
        assertEquals("", normalized("", 1_000));
        assertEquals("a\r\n", normalized("a\r\n", 1));
    }

    /** The specification byte by byte: what the piecewise, run-copying implementation must equal. */
    private static byte[] reference(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean cr = false;
        boolean open = false;
        for (byte b : in) {
            if (b == '\n') {
                if (!cr) {
                    out.write('\r');
                }
                out.write('\n');
                cr = false;
                open = false;
            } else {
                if (cr) {
                    out.write('\n');
                }
                out.write(b);
                cr = b == '\r';
                open = !cr;
            }
        }
        if (open) {
            out.writeBytes(new byte[] {'\r', '\n'});
        } else if (cr) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    @Test
    void equalsTheByteByByteSpecificationForAnySplitIntoPieces() {
        Random random = new Random(1939);
        byte[] alphabet = {'a', 'b', '\r', '\n', '.', ' '};
        for (int k = 0; k < 5_000; k++) {
            byte[] in = new byte[random.nextInt(200)];
            for (int i = 0; i < in.length; i++) {
                in[i] = random.nextInt(3) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
            }
            int piece = 1 + random.nextInt(in.length + 1);
            assertArrayEquals(reference(in), normalized(in, piece), () -> Arrays.toString(in) + " in pieces of " + piece);
        }
    }

    private static String normalized(String in, int piece) {
        return new String(normalized(in.getBytes(StandardCharsets.ISO_8859_1), piece), StandardCharsets.ISO_8859_1);
    }

    private static byte[] normalized(byte[] in, int piece) {
        LineEnds lineEnds = new LineEnds();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < in.length; at += piece) {
            int n = Math.min(piece, in.length - at);
            byte[] out1 = new byte[LineEnds.room(n)];
            int o = lineEnds.normalize(Arrays.copyOfRange(in, at, at + n), n, out1);
            out.write(out1, 0, o);
        }
        out.writeBytes(lineEnds.end());
        return out.toByteArray();
    }
}
