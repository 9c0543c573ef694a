package org.postkontor.store.internal.postgres;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.postkontor.store.internal.files.LineEnds;

/**
 * A message read to its end (its line ends normalized, unless it is kept as given), before any database connection is taken
 * for it (a slow sender never holds one): in memory up to {@value #IN_MEMORY} octets, beyond that in
 * a temp file of this node (not durable: the database copy is). {@link #discard()} deletes the file.
 */
public final class StagedBody implements AutoCloseable {

    static final int IN_MEMORY = 1024 * 1024;
    private static final int BUFFER = 64 * 1024;

    private byte[] memory = new byte[0];
    private int memoryLength;
    private Path file;
    private OutputStream fileOut;
    private long octets;

    private StagedBody() {}

    /** Reads {@code in} to its end; with {@code normalize}, every line end becomes CRLF (see {@link LineEnds}). */
    public static StagedBody read(InputStream in, Path tmpDir, boolean normalize) throws IOException {
        StagedBody b = new StagedBody();
        try {
            byte[] buf = new byte[BUFFER];
            byte[] out = new byte[LineEnds.room(BUFFER)];
            LineEnds lineEnds = new LineEnds();
            int n;
            while ((n = in.read(buf)) != -1) {
                if (normalize) {
                    b.append(out, lineEnds.normalize(buf, n, out), tmpDir);
                } else {
                    b.append(buf, n, tmpDir);
                }
            }
            if (normalize) {
                byte[] end = lineEnds.end();
                b.append(end, end.length, tmpDir);
            }
            if (b.fileOut != null) {
                b.fileOut.close();
                b.fileOut = null;
            }
            return b;
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    private void append(byte[] bytes, int n, Path tmpDir) throws IOException {
        octets += n;
        if (fileOut == null && memoryLength + n <= IN_MEMORY) {
            if (memoryLength + n > memory.length) {
                memory = Arrays.copyOf(memory, Math.min(IN_MEMORY, Math.max(memoryLength + n, memory.length * 2)));
            }
            System.arraycopy(bytes, 0, memory, memoryLength, n);
            memoryLength += n;
            return;
        }
        if (fileOut == null) {
            Files.createDirectories(tmpDir);
            file = Files.createTempFile(tmpDir, "staged-", ".eml");
            fileOut = Files.newOutputStream(file);
            fileOut.write(memory, 0, memoryLength);
            memory = null;
        }
        fileOut.write(bytes, 0, n);
    }

    public long octets() {
        return octets;
    }

    /** The normalized bytes from the start; the caller closes it. */
    public InputStream open() throws IOException {
        return file != null ? Files.newInputStream(file) : new ByteArrayInputStream(memory, 0, memoryLength);
    }

    @Override
    public void close() {
        try {
            if (fileOut != null) {
                fileOut.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a temp file left behind is cleared with the directory at the next start
        }
    }
}
