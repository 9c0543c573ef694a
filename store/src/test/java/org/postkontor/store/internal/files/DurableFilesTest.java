package org.postkontor.store.internal.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.StoreMetrics;

class DurableFilesTest {

    @TempDir
    Path dir;

    private static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private String stored(DurableFiles f, String input) throws IOException {
        Path target = Path.of("out", "m" + input.hashCode());
        long octets = f.storeDurably(text(input), target, true);
        byte[] bytes = Files.readAllBytes(f.root().resolve(target));
        assertEquals(bytes.length, octets);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void normalizesLoneLfAndLoneCrToCrlf() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        assertEquals("a\r\nb\r\n", stored(f, "a\nb\n"));
        assertEquals("a\r\nb\r\n", stored(f, "a\rb\r"));
        assertEquals("a\r\nb\r\n", stored(f, "a\r\nb\r\n"));
        assertEquals("a\r\n\r\nb\r\n", stored(f, "a\r\r\nb"));
        assertEquals("\r\n\r\n", stored(f, "\n\r"));
        assertEquals("", stored(f, ""));
    }

    @Test
    void aLastLineWithoutLineEndGetsCrlf() throws IOException {
        // POP3 sends CRLF after a last line without one (RFC 1939 §3): stored, it is counted too
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        assertEquals("no end\r\n", stored(f, "no end"));
        assertEquals("a\r\nb\r\n", stored(f, "a\r\nb"));
        assertEquals("a\r\nb\r\n", stored(f, "a\nb"));
        assertEquals("x\r\n", stored(f, "x\r"));
        assertEquals("x\r\n", stored(f, "x\r\n"));
        byte[] header = "HEADER\n".getBytes(StandardCharsets.ISO_8859_1);
        DurableFiles.TempFile t = f.writeTemp(header, text("body"), true);
        assertEquals("HEADER\nbody\r\n", Files.readString(t.path(), StandardCharsets.ISO_8859_1),
                "the header is written as given; the stream ends with CRLF");
        assertEquals(6, t.octets());
        t.discard();
    }

    @Test
    void aLineEndIsAddedAfterAFullBufferToo() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        String exactBuffer = stored(f, "y".repeat(64 * 1024));
        assertEquals(64 * 1024 + 2, exactBuffer.length());
        assertTrue(exactBuffer.endsWith("yy\r\n"));
        String endsOnBoundary = stored(f, "z".repeat(64 * 1024 - 2) + "\r\n");
        assertEquals(64 * 1024, endsOnBoundary.length());
        assertTrue(endsOnBoundary.endsWith("zz\r\n"));
    }

    @Test
    void withoutNormalizingNothingIsAdded() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        long octets = f.storeDurably(text("raw"), Path.of("raw"), false);
        assertEquals(3, octets);
        assertEquals("raw", Files.readString(dir.resolve("raw"), StandardCharsets.ISO_8859_1));
    }

    @Test
    void normalizesAcrossBufferBoundaries() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        Random r = new Random(7);
        for (int i = 0; i < 300_000; i++) {
            switch (r.nextInt(5)) {
                case 0 -> { in.append('\n'); expected.append("\r\n"); }
                case 1 -> { in.append("\r\n"); expected.append("\r\n"); }
                default -> { in.append('x'); expected.append('x'); }
            }
        }
        if (expected.charAt(expected.length() - 1) != '\n') {
            expected.append("\r\n");
        }
        assertEquals(expected.toString(), stored(f, in.toString()));
    }

    @Test
    void keepsBytesExactWithoutNormalizing() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        byte[] data = new byte[200_000];
        new Random(1).nextBytes(data);
        long octets = f.storeDurably(new ByteArrayInputStream(data), Path.of("a", "b", "raw"), false);
        assertEquals(data.length, octets);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("a/b/raw")));
        try (var s = Files.list(f.tmpDir())) {
            assertEquals(0, s.count(), "nothing left in tmp/");
        }
    }

    @Test
    void failedWriteLeavesNothingAndClearTmpRemovesLeftovers() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        InputStream broken = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 1000) {
                    throw new IOException("connection lost");
                }
                return 'x';
            }
        };
        try {
            f.writeTemp(broken, true);
        } catch (IOException expected) {
            // fine
        }
        try (var s = Files.list(f.tmpDir())) {
            assertEquals(0, s.count());
        }
        DurableFiles.TempFile t = f.writeTemp(text("x"), true);
        assertTrue(Files.exists(t.path()));
        assertEquals(1, new DurableFiles(dir, StoreMetrics.NOOP).clearTmp());
        assertFalse(Files.exists(t.path()));
    }

    @Test
    void outOfSpaceIsEnospcOrEdquotAnywhereInTheCauseChain() {
        assertTrue(DurableFiles.outOfSpace(new IOException("No space left on device")));
        assertTrue(DurableFiles.outOfSpace(new java.nio.file.FileSystemException("/spool/tmp/x", null,
                "No space left on device")));
        assertTrue(DurableFiles.outOfSpace(new IOException("write failed", new IOException("Disk quota exceeded"))));
        assertFalse(DurableFiles.outOfSpace(new IOException("Input/output error")));
        assertFalse(DurableFiles.outOfSpace(new java.nio.file.AccessDeniedException("/spool/tmp/x")));
        assertFalse(DurableFiles.outOfSpace(new IOException((String) null)));
    }

    @Test
    void usableSpaceIsTheVolumesAsTheFileStoreSaysAndAMissingDirectoryIsAnError() throws IOException {
        long fromStore = Files.getFileStore(dir).getUsableSpace();
        long quick = DurableFiles.usableSpace(dir);
        // the same volume, read a moment apart: within what a busy machine writes meanwhile
        assertTrue(Math.abs(fromStore - quick) < 256L * 1024 * 1024, fromStore + " against " + quick);
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class,
                () -> DurableFiles.usableSpace(dir.resolve("missing")));
    }

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    private long filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void aRecycledFileIsEmptiedAndTakenByTheNextTempFile() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        f.storeDurably(text("a long old message\r\n".repeat(1000)), Path.of("msg", "old"), false);
        Path old = dir.resolve("msg").resolve("old");
        Object inode = inode(old);
        f.recycle(old);
        assertFalse(Files.exists(old), "gone from its place, as after a deletion");
        assertEquals(1, f.recycledFiles());
        try (Stream<Path> s = Files.list(f.tmpDir())) {
            Path spare = s.findFirst().orElseThrow();
            assertEquals(0, Files.size(spare), "emptied: none of the old message is left");
            assertEquals(inode, inode(spare));
        }
        DurableFiles.TempFile t = f.writeTemp("H\n".getBytes(StandardCharsets.ISO_8859_1), text("new\r\n"), false);
        assertEquals(inode, inode(t.path()), "the same file, written again");
        assertEquals("H\nnew\r\n", Files.readString(t.path(), StandardCharsets.ISO_8859_1));
        assertEquals(0, f.recycledFiles());
        f.moveIntoPlace(t, Path.of("msg", "new"));
        assertEquals(0, filesIn(f.tmpDir()));
        DurableFiles.TempFile next = f.writeTemp(text("x"), false);
        assertFalse(inode.equals(inode(next.path())), "none left to reuse: a new file");
    }

    @Test
    void aFileWithAnotherLinkIsDeletedNotEmptied() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        f.storeDurably(text("kept by its other name\r\n"), Path.of("msg", "a"), false);
        Path a = dir.resolve("msg").resolve("a");
        Path other = Files.createLink(dir.resolve("other"), a);
        f.recycle(a);
        assertFalse(Files.exists(a));
        assertEquals("kept by its other name\r\n", Files.readString(other, StandardCharsets.ISO_8859_1));
        assertEquals(0, f.recycledFiles());
        assertEquals(0, filesIn(f.tmpDir()));
    }

    @Test
    void atMostTheCapWaitsForReuseAndAStartClearsThemUncounted() throws IOException {
        DurableFiles f = new DurableFiles(dir, StoreMetrics.NOOP);
        Path msg = Files.createDirectories(dir.resolve("msg"));
        for (int i = 0; i < DurableFiles.RECYCLED_MAX + 3; i++) {
            Path p = Files.writeString(msg.resolve("m" + i), "x");
            f.recycle(p);
        }
        assertEquals(0, filesIn(msg));
        assertEquals(DurableFiles.RECYCLED_MAX, f.recycledFiles());
        assertEquals(DurableFiles.RECYCLED_MAX, filesIn(f.tmpDir()), "the rest were deleted");
        DurableFiles.TempFile cut = f.writeTemp(text("cut off by a crash"), false);
        assertTrue(Files.size(cut.path()) > 0);
        assertEquals(1, new DurableFiles(dir, StoreMetrics.NOOP).clearTmp(), "only the temp file counts");
        assertEquals(0, filesIn(f.tmpDir()));
    }
}
