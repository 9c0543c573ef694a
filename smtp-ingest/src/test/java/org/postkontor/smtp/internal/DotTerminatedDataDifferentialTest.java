package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.internal.io.DotTerminatedInputStream;
import org.subethamail.smtp.internal.io.DotUnstuffingInputStream;

/**
 * {@link DotTerminatedData} against SubEthaSMTP 7.2.2's own pair of streams (DotTerminated under
 * DotUnstuffing, as its DataCommand stacks them over the session's BufferedInputStream): the same
 * data bytes, the same exception, and the same raw bytes left for the next command, over every
 * short input on a dot/CR/LF alphabet, random and adversarial inputs, every way of splitting them
 * into network reads, every buffer size and read size. The reference is the library's streams with
 * the one deliberate difference applied (a stuffed first line loses its dot, as every other line);
 * {@link #onlyTheFirstLineDotDiffersFromTheLibraryAsShipped} pins that difference down.
 */
class DotTerminatedDataDifferentialTest {

    private static final byte[] NEXT = bytes("MAIL FROM:<next@remote.test>\r\nRCPT TO:<a@example.test>\r\n");

    /** What a stream made of the data: its bytes, the exception that ended it, and what it left. */
    record Outcome(byte[] data, String failure, byte[] left) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && Arrays.equals(data, x.data) && java.util.Objects.equals(failure, x.failure)
                    && Arrays.equals(left, x.left);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "data=" + show(data) + " failure=" + failure + " left=" + show(left);
        }
    }

    /** How the raw input reaches the stream. */
    record Feed(int segment, int buffer, boolean markable, int readSize) {
        @Override
        public String toString() {
            return "segment=" + segment + " buffer=" + buffer + " markable=" + markable + " readSize=" + readSize;
        }
    }

    @Test
    void everyShortInputOnTheDotCrLfAlphabet() throws IOException {
        byte[] alphabet = bytes(".\r\nx");
        long cases = 0;
        for (int length = 0; length <= 7; length++) {
            for (long k = 0; k < Math.round(Math.pow(alphabet.length, length)); k++) {
                long v = k;
                byte[] in = new byte[length];
                for (int i = 0; i < length; i++) {
                    in[i] = alphabet[(int) (v % alphabet.length)];
                    v /= alphabet.length;
                }
                Feed feed = new Feed(1 + (int) (k % 3), 8192, k % 5 != 0, 1 + (int) (k % 4));
                compare(in, feed);
                compare(concat(in, bytes("\r\n.\r\n"), NEXT), feed);
                cases += 2;
            }
        }
        assertTrue(cases > 40_000, "cases: " + cases);
    }

    @Test
    void adversarialInputsThroughEveryReadBoundary() throws IOException {
        List<String> inputs = List.of(
                ".\r\n", "..\r\n.\r\n", "...\r\n.\r\n", ".x\r\n.\r\n", "\r\n.\r\n", "a\r\n.\r\n",
                "a\n.\nb\r\n.\r\n", "a\r.\rb\r\n.\r\n", "a\n.\r\nb\r\n.\r\n", "a\r\n.\nb\r\n.\r\n",
                "a\r\r\n.\r\n", "a\r\n\r\n.\r\n", "a\r\n..\r\n.\r\n", "a\r\n.\r\r\n.\r\n", "a\r\n.\r.\r\n.\r\n",
                "\n.\n", "\r.\r", "\r", "\n", ".", ".\r", "a\r\n.", "a\r\n.\r", "a\r\n.\n", "a\r\n.\r\n",
                "Subject: x\r\n\r\nfirst\n.\nMAIL FROM:<evil@remote.test>\r\n.\r\n",
                "x\0y\r\n.\r\n", "\u00ff\u00fe\r\n.\r\n");
        for (String s : inputs) {
            byte[] base = s.getBytes(StandardCharsets.ISO_8859_1);
            for (byte[] in : List.of(base, concat(base, NEXT), concat(base, bytes("\r\n.\r\n"), NEXT))) {
                for (int segment = 1; segment <= in.length + 1; segment++) {
                    for (int buffer : new int[] {1, 2, 3, 5, 8192}) {
                        for (int readSize = 1; readSize <= 6; readSize++) {
                            compare(in, new Feed(segment, buffer, true, readSize));
                        }
                        compare(in, new Feed(segment, buffer, true, 16384));
                    }
                    compare(in, new Feed(segment, 8192, false, 1));
                    compare(in, new Feed(segment, 8192, false, 16384));
                }
            }
        }
    }

    @Test
    void randomInputsOfEverySize() throws IOException {
        SplittableRandom random = new SplittableRandom(20261127);
        byte[] alphabet = bytes(".\r\n.\r\nabc\0");
        for (int round = 0; round < 3_000; round++) {
            int length = round < 2_500 ? random.nextInt(64) : random.nextInt(40_000);
            byte[] in = new byte[length];
            for (int i = 0; i < length; i++) {
                in[i] = random.nextInt(8) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            if (random.nextBoolean()) {
                in = concat(in, bytes("\r\n.\r\n"), NEXT);
            }
            int segment = 1 + random.nextInt(random.nextBoolean() ? 16 : 20_000);
            int buffer = random.nextInt(4) == 0 ? 1 + random.nextInt(64) : 8192;
            int readSize = random.nextBoolean() ? 1 + random.nextInt(32) : 16384;
            compare(in, new Feed(segment, buffer, random.nextInt(10) != 0, readSize));
        }
    }

    @Test
    void bigMessageWithStuffedLinesAcrossBlocks() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < 5_000; i++) {
            b.writeBytes(bytes(i % 7 == 0 ? ".." : i % 11 == 0 ? "." : ""));
            b.writeBytes(bytes("line " + i + " " + "x".repeat(i % 97) + (i % 13 == 0 ? "\n" : "\r\n")));
        }
        byte[] in = concat(b.toByteArray(), bytes(".\r\n"), NEXT);
        for (int segment : new int[] {1, 7, 1460, 8191, 8192, 8193, 65536}) {
            compare(in, new Feed(segment, 8192, true, 16384));
            compare(in, new Feed(segment, 8192, true, 8191));
            compare(in, new Feed(segment, 100, true, 16384));
        }
    }

    /** An exception from the socket (a read timeout) reaches the caller from both. */
    @Test
    void anIoErrorFromTheInputIsPassedOn() throws IOException {
        byte[] in = bytes("Subject: t\r\n\r\n..body\r\nmore\r\n");
        byte[] whole = bytes("Subject: t\r\n\r\n.body\r\nmore\r\n");
        for (int failAt = 0; failAt <= in.length; failAt++) {
            Outcome ref = reference(new BufferedInputStream(new Segmented(in, 3, failAt), 8192));
            Outcome ours = ours(new BufferedInputStream(new Segmented(in, 3, failAt), 8192), 16384);
            assertEquals(SocketTimeoutException.class.getName() + ": injected", ref.failure());
            assertEquals(ref.failure(), ours.failure(), "fail at " + failAt);
            // What came before differs (the library looks three bytes ahead, a bulk read loses its
            // partial block); the session drops the connection on it, and stores nothing.
            assertTrue(startsWith(whole, ours.data()), "fail at " + failAt + ": " + ours);
        }
    }

    @Test
    void onlyTheFirstLineDotDiffersFromTheLibraryAsShipped() throws IOException {
        byte[] stuffedFirstLine = bytes("..first\r\n.\r\n");
        Outcome shipped = reference(new BufferedInputStream(new Segmented(stuffedFirstLine, 100, -1)), false);
        Outcome ours = ours(new BufferedInputStream(new Segmented(stuffedFirstLine, 100, -1)), 16384);
        assertEquals("..first\r\n", new String(shipped.data(), StandardCharsets.US_ASCII));
        assertEquals(".first\r\n", new String(ours.data(), StandardCharsets.US_ASCII));

        // Without a dot at the very start, the library as shipped and this stream agree.
        SplittableRandom random = new SplittableRandom(7);
        byte[] alphabet = bytes(".\r\nx");
        for (int round = 0; round < 2_000; round++) {
            byte[] in = new byte[random.nextInt(30)];
            for (int i = 0; i < in.length; i++) {
                in[i] = alphabet[random.nextInt(alphabet.length)];
            }
            if (in.length > 0 && in[0] == '.') {
                in[0] = 'x';
            }
            in = concat(in, bytes("\r\n.\r\n"), NEXT);
            assertEquals(reference(new BufferedInputStream(new Segmented(in, 5, -1)), false),
                    ours(new BufferedInputStream(new Segmented(in, 5, -1)), 16384), show(in));
        }
    }

    private static void compare(byte[] in, Feed feed) throws IOException {
        Outcome expected = reference(new BufferedInputStream(new Segmented(in, feed.segment(), -1), 8192), true);
        InputStream raw = feed.markable()
                ? new BufferedInputStream(new Segmented(in, feed.segment(), -1), feed.buffer())
                : new Unmarkable(new Segmented(in, feed.segment(), -1));
        Outcome actual = ours(raw, feed.readSize());
        assertEquals(expected, actual, () -> "input " + show(in) + " " + feed);
    }

    static Outcome reference(InputStream raw) throws IOException {
        return reference(raw, true);
    }

    /** SubEthaSMTP 7.2.2's streams, read one byte at a time (every byte before a failure counts). */
    static Outcome reference(InputStream raw, boolean firstLineUnstuffed) throws IOException {
        DotUnstuffingInputStream data = new DotUnstuffingInputStream(new DotTerminatedInputStream(raw));
        if (firstLineUnstuffed) {
            try {
                Field last = DotUnstuffingInputStream.class.getDeclaredField("last");
                last.setAccessible(true);
                last.set(data, new int[] {'\r', '\n'});
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("SubEthaSMTP's DotUnstuffingInputStream changed", e);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String failure = null;
        try {
            int c;
            while ((c = data.read()) >= 0) {
                out.write(c);
            }
        } catch (IOException e) {
            failure = e.getClass().getName() + ": " + e.getMessage();
        }
        return new Outcome(out.toByteArray(), failure, failure == null ? raw.readAllBytes() : null);
    }

    /** This stream, read {@code readSize} bytes per call (1: through {@code read()}). */
    static Outcome ours(InputStream raw, int readSize) throws IOException {
        DotTerminatedData data = new DotTerminatedData(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String failure = null;
        byte[] b = new byte[readSize + 2];
        try {
            while (true) {
                if (readSize == 1) {
                    int c = data.read();
                    if (c < 0) {
                        break;
                    }
                    out.write(c);
                } else {
                    int n = data.read(b, 1, readSize); // an offset, to catch off-by-one writes
                    if (n < 0) {
                        break;
                    }
                    assertTrue(n > 0 && n <= readSize, "read returned " + n);
                    out.write(b, 1, n);
                }
            }
            assertEquals(-1, data.read(), "read after the end");
        } catch (IOException e) {
            failure = e.getClass().getName() + ": " + e.getMessage();
            if (e instanceof EOFException) {
                // Ends the same way if asked again.
                try {
                    data.read(b, 0, 1);
                    throw new AssertionError("a second read after EOF returned");
                } catch (EOFException again) {
                    // as expected
                }
            }
        }
        return new Outcome(out.toByteArray(), failure, failure == null ? raw.readAllBytes() : null);
    }

    /** A socket's input: at most {@code segment} bytes per read; an exception at {@code failAt}. */
    static final class Segmented extends InputStream {
        private final byte[] in;
        private final int segment;
        private final int failAt;
        private int pos;

        Segmented(byte[] in, int segment, int failAt) {
            this.in = in;
            this.segment = segment;
            this.failAt = failAt;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos == failAt) {
                throw new SocketTimeoutException("injected");
            }
            if (pos >= in.length) {
                return -1;
            }
            int limit = failAt > pos ? failAt : in.length;
            int n = Math.min(Math.min(len, segment), limit - pos);
            System.arraycopy(in, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return Math.max(0, Math.min(segment, in.length - pos));
        }
    }

    /** An input without mark/reset. */
    static final class Unmarkable extends java.io.FilterInputStream {
        Unmarkable(InputStream in) {
            super(in);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    static String show(byte[] b) {
        if (b == null) {
            return "null";
        }
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            switch (c) {
                case '\r' -> s.append("\\r");
                case '\n' -> s.append("\\n");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        s.append(String.format("\\x%02x", c));
                    } else {
                        s.append((char) c);
                    }
                }
            }
        }
        return s.length() > 300 ? s.substring(0, 300) + "...(" + b.length + " bytes)" : s.toString();
    }
}
