package org.postkontor.smtp.internal;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The data of one message as received, kept until the store (and maybe badmail) has read it: in
 * memory up to a threshold, then in a temp file that {@link #close()} deletes. Bounded by the
 * caller, which stops writing at the size limit.
 */
final class MessageBuffer implements AutoCloseable {

    private final Path dir;
    private final int memoryLimit;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;

    MessageBuffer(Path dir, int memoryLimit) {
        this.dir = dir;
        this.memoryLimit = memoryLimit;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (fileOut == null && memory.size() + len > memoryLimit) {
            file = Files.createTempFile(dir, "postkontor-smtp-", ".eml");
            fileOut = new BufferedOutputStream(Files.newOutputStream(file), 65536);
            memory.writeTo(fileOut);
            memory = null;
        }
        if (fileOut != null) {
            fileOut.write(b, off, len);
        } else {
            memory.write(b, off, len);
        }
        size += len;
    }

    /** Ends writing. */
    void finish() throws IOException {
        if (fileOut != null) {
            fileOut.close();
            fileOut = null;
        }
    }

    long size() {
        return size;
    }

    /** A fresh stream over the whole data; the caller closes it. */
    InputStream open() throws IOException {
        if (file != null) {
            return Files.newInputStream(file);
        }
        return new ByteArrayInputStream(memory.toByteArray());
    }

    @Override
    public void close() {
        try {
            if (fileOut != null) {
                fileOut.close();
            }
        } catch (IOException e) {
            // deleting it anyway
        }
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover temp file; nothing more to do
            }
        }
    }
}
