package org.postkontor.store.internal.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * An append-only file of checksummed lines: the durable half of the removal log and of the
 * accounts journal. Each line is {@code <crc32c, 8 hex> <content>\n}, the checksum over the
 * content's UTF-8 bytes; content never holds a line end.
 *
 * <p>{@link #append} writes all its lines with one {@code write} and returns after an fsync. Each
 * line is taken whole or not at all (so a unit that must be all or nothing is one line): a crash
 * may tear the last lines, and the next {@link #open} cuts them back: everything after
 * the last line that passes its checksum (a line without its end, or lines a power loss left
 * half-written) is a torn tail and is truncated. A line that fails its checksum before a good one
 * cannot come from a crash (the tail is cut before anything is appended);
 * {@link Contents#damaged()} counts such lines and each caller decides what damage means to it. Concurrent appenders share the disk's flushes: the write runs
 * under a lock, the fsync outside it. {@link #rewrite} replaces the whole file atomically (temp
 * file, fsync, rename, directory fsync). Thread-safe.
 */
public final class LineLog implements AutoCloseable {

    private final Path file;
    private final DurableFiles files;
    private final ReentrantLock lock = new ReentrantLock();
    private final boolean created;
    private FileChannel channel;

    private LineLog(Path file, DurableFiles files, FileChannel channel, boolean created) {
        this.file = file;
        this.files = files;
        this.channel = channel;
        this.created = created;
    }

    /** The whole lines of a log: their contents in order, and how many failed their checksum. */
    public record Contents(List<String> lines, int damaged, long wholeBytes) {}

    /**
     * Opens (or creates, durably) the log, cutting a torn last line off.
     *
     * @param files the directory's durable file operations (for the directory fsyncs)
     */
    public static LineLog open(Path file, DurableFiles files) throws IOException {
        boolean created = !Files.exists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long whole = read(ch).wholeBytes();
            if (whole < ch.size()) {
                ch.truncate(whole);
                ch.force(true);
            }
            ch.position(whole);
            if (created) {
                ch.force(true);
                files.syncDirectory(file.toAbsolutePath().getParent());
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new LineLog(file, files, ch, created);
    }

    /** The file did not exist before {@link #open}. */
    public boolean created() {
        return created;
    }

    public Path file() {
        return file;
    }

    /** Every whole line now in the log. */
    public Contents contents() throws IOException {
        lock.lock();
        try {
            return read(channel);
        } finally {
            lock.unlock();
        }
    }

    /** Bytes in the log now. */
    public long size() throws IOException {
        lock.lock();
        try {
            return channel.size();
        } finally {
            lock.unlock();
        }
    }

    /** Appends the lines with one write and fsyncs; on return they survive a crash. */
    public void append(Collection<String> contents) throws IOException {
        if (contents.isEmpty()) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(encode(contents));
        FileChannel ch;
        lock.lock();
        try {
            ch = channel;
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
        } finally {
            lock.unlock();
        }
        // outside the lock, so that concurrent appenders share the disk's flushes
        try {
            ch.force(false);
        } catch (ClosedChannelException e) {
            // a rewrite replaced the file meanwhile: it read our whole lines (written under the lock
            // before it took it) and fsynced them in the new file
            if (current() == ch) {
                throw e;
            }
        }
    }

    /**
     * Replaces the log's content with {@code contents}, atomically: whatever happens, the file
     * holds either all the old lines or exactly the new ones. {@code transform} sees the current
     * whole lines under the log's lock, so no append is lost between reading and replacing.
     */
    public void rewrite(java.util.function.Function<List<String>, List<String>> transform) throws IOException {
        lock.lock();
        try {
            List<String> next = transform.apply(read(channel).lines());
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(encode(next));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            files.syncDirectory(file.toAbsolutePath().getParent());
            FileChannel old = channel;
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.position(channel.size());
            old.close();
        } finally {
            lock.unlock();
        }
    }

    private FileChannel current() {
        lock.lock();
        try {
            return channel;
        } finally {
            lock.unlock();
        }
    }

    /** The bytes of a log holding {@code contents}, as {@link #append} writes them. */
    public static byte[] encode(Collection<String> contents) {
        StringBuilder b = new StringBuilder();
        for (String c : contents) {
            if (c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a log line cannot hold a line end");
            }
            b.append(crc(c)).append(' ').append(c).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a log file that no one writes to (a backup's, or one being restored). */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch);
        }
    }

    private static Contents read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("log too large: " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        long pos = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        byte[] all = buf.array();
        int len = buf.position();
        List<String> lines = new ArrayList<>();
        int damaged = 0;
        int pendingDamage = 0;
        int start = 0;
        int lastGood = 0;
        for (int i = 0; i < len; i++) {
            if (all[i] != '\n') {
                continue;
            }
            String line = new String(all, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            String content = parse(line);
            if (content == null) {
                pendingDamage++; // damage if a good line follows; else part of a torn tail
            } else {
                lines.add(content);
                lastGood = start;
                damaged += pendingDamage;
                pendingDamage = 0;
            }
        }
        return new Contents(lines, damaged, lastGood);
    }

    private static String parse(String line) {
        if (line.length() < 9 || line.charAt(8) != ' ') {
            return null;
        }
        String content = line.substring(9);
        return crc(content).equals(line.substring(0, 8)) ? content : null;
    }

    private static String crc(String content) {
        CRC32C c = new CRC32C();
        c.update(content.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) c.getValue());
    }

    @Override
    public void close() {
        lock.lock();
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        } finally {
            lock.unlock();
        }
    }
}
