package org.postkontor.store.internal.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.postkontor.store.StoreMetrics;

/**
 * Durable file writes the Postfix way, under one root directory: a stream is written to
 * {@code root/tmp/}, fsynced, moved atomically to its place on the same volume, and the target
 * directory is fsynced. Only then may an index row name the file.
 *
 * <p>Two ways to use it: {@link #storeDurably} does all steps for one file; the spool's group commit
 * splits them ({@link #writeTemp}, {@link #moveIntoPlace}, then one {@link #syncDirectory} per
 * directory for a whole batch).
 *
 * <p>Failure modes of the steps, each leaving nothing visible at the target:
 * <ul>
 *   <li>write or fsync of the temp file fails: the temp file is deleted (best effort) and the
 *       {@link IOException} propagates; a leftover temp file is removed by {@link #clearTmp} at the
 *       next start.</li>
 *   <li>the atomic move fails ({@link AtomicMoveNotSupportedException} means tmp/ and the target
 *       are on different volumes: a configuration error, since root/tmp is always under root;
 *       {@link FileAlreadyExistsException} is never expected since names are unique): the
 *       temp file stays in tmp/ and is discarded by the caller or at the next start.</li>
 *   <li>the directory fsync fails: the file is at its place but may not survive a power loss, so
 *       the caller must not acknowledge it and should delete it.</li>
 *   <li>a crash between the move and the index commit leaves a file no row names: startup
 *       reconciliation finds it.</li>
 * </ul>
 *
 * <p>Files can be given back for reuse ({@link #recycle}): moved to tmp/, emptied, and taken by a
 * later {@link #writeTemp} instead of a new file. A mail server deletes a file for nearly every one
 * it creates, and on ext4 without a journal each new inode is found by passing over the inodes
 * deleted in the last minutes, reading their inode-table blocks: 0.4-0.7 ms of kernel time per
 * message after a drain (BENCHMARKS.md). At most {@value #RECYCLED_MAX} empty files wait in tmp/; more
 * are deleted. {@link #clearTmp} deletes them at the next start.
 *
 * Thread-safe.
 */
public final class DurableFiles {

    private static final int BUFFER = 64 * 1024;
    /** Empty files kept for reuse: a few thousand inodes, no data blocks. */
    static final int RECYCLED_MAX = 8192;
    /** Names of recycled files: {@code <nonce>-r<n>}. */
    private static final Pattern RECYCLED_NAME = Pattern.compile("[0-9a-f]{8}-r[0-9]+");

    private final Path root;
    private final Path tmp;
    private final StoreMetrics metrics;
    private final String tmpPrefix;
    private final AtomicLong tmpCounter = new AtomicLong();
    /** Numbers of the empty files in tmp/ waiting for reuse (a stack), under {@link #recycling}. */
    private long[] recycled = new long[64];
    private int recycledCount;
    private final ReentrantLock recycling = new ReentrantLock();

    /** Creates {@code root} and {@code root/tmp} if missing (durably). */
    public DurableFiles(Path root, StoreMetrics metrics) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve("tmp");
        this.metrics = metrics;
        byte[] nonce = new byte[4];
        new SecureRandom().nextBytes(nonce);
        this.tmpPrefix = HexFormat.of().formatHex(nonce) + "-";
        createDirectoriesDurably(this.tmp);
    }

    public Path root() {
        return root;
    }

    public Path tmpDir() {
        return tmp;
    }

    /** A fsynced file in tmp/, not yet at its place. */
    public record TempFile(Path path, long octets) {
        /** Deletes the temp file; never throws. */
        public void discard() {
            deleteQuietly(path);
        }
    }

    /**
     * Writes the whole stream (not closing it) to a new file in tmp/ and fsyncs it.
     *
     * @param normalizeLineEnds turn every lone LF and lone CR into CRLF while writing, and end a
     *                          last line that has no line end with CRLF
     */
    public TempFile writeTemp(InputStream in, boolean normalizeLineEnds) throws IOException {
        return writeTemp(new byte[0], in, normalizeLineEnds);
    }

    /**
     * Like {@link #writeTemp(InputStream, boolean)}, with {@code header} written first, unchanged,
     * in the same file and under the same fsync. {@link TempFile#octets()} counts the stream's
     * octets only, not the header's.
     */
    public TempFile writeTemp(byte[] header, InputStream in, boolean normalizeLineEnds) throws IOException {
        Path file = null;
        FileChannel opened = null;
        long reuse = takeRecycled();
        if (reuse >= 0) {
            file = recycledPath(reuse);
            try {
                opened = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                deleteQuietly(file); // gone, or not writable: a new file instead
            }
        }
        if (opened == null) {
            file = tmp.resolve(tmpPrefix + tmpCounter.incrementAndGet());
            opened = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        boolean done = false;
        try (FileChannel ch = opened) {
            ByteBuffer h = ByteBuffer.wrap(header);
            while (h.hasRemaining()) {
                ch.write(h);
            }
            long octets = normalizeLineEnds ? copyNormalized(in, ch) : copy(in, ch);
            force(ch);
            done = true;
            return new TempFile(file, octets);
        } finally {
            if (!done) {
                deleteQuietly(file);
            }
        }
    }

    /**
     * Moves a temp file atomically to {@code target} (relative to the root, or absolute under it),
     * creating missing parent directories durably. Does not fsync the target's directory.
     *
     * @return the directories that must be fsynced before the file counts as durable
     */
    public Set<Path> moveIntoPlace(TempFile file, Path target) throws IOException {
        Path abs = root.resolve(target).normalize();
        if (!abs.startsWith(root)) {
            throw new IOException("target outside " + root);
        }
        Path dir = abs.getParent();
        Set<Path> toSync = new LinkedHashSet<>();
        if (!Files.isDirectory(dir)) {
            createDirectoriesDurably(dir);
        }
        Files.move(file.path(), abs, StandardCopyOption.ATOMIC_MOVE);
        toSync.add(dir);
        return toSync;
    }

    /** Fsyncs a directory, so that entries created, renamed or removed in it survive a crash. */
    public void syncDirectory(Path dir) throws IOException {
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
        metrics.fsync(Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * All steps for one file: temp write, fsync, atomic move, directory fsync.
     *
     * @return the octets written
     */
    public long storeDurably(InputStream in, Path target, boolean normalizeLineEnds) throws IOException {
        TempFile t = writeTemp(in, normalizeLineEnds);
        Set<Path> dirs;
        try {
            dirs = moveIntoPlace(t, target);
        } catch (IOException e) {
            t.discard();
            throw e;
        }
        try {
            for (Path d : dirs) {
                syncDirectory(d);
            }
        } catch (IOException e) {
            deleteQuietly(root.resolve(target));
            throw e;
        }
        return t.octets();
    }

    /**
     * Replaces {@code target} (under the root) with {@code content}, atomically and durably: the
     * file holds either its old content or all of the new, whatever happens when.
     */
    public void replaceDurably(byte[] content, Path target) throws IOException {
        Path abs = root.resolve(target).normalize();
        if (!abs.startsWith(root)) {
            throw new IOException("target outside " + root);
        }
        TempFile t = writeTemp(new java.io.ByteArrayInputStream(content), false);
        try {
            Files.move(t.path(), abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            t.discard();
            throw e;
        }
        syncDirectory(abs.getParent());
    }

    /**
     * Gives a file under the root back for reuse by a later {@link #writeTemp}, or deletes it: the
     * file is moved to tmp/ and emptied there. Either way it is gone from its place, as after a
     * deletion, and as with a deletion nothing is fsynced: a crash may undo the move, and on a file
     * system without a journal keep the emptying, so the file may come back at its place empty.
     * A file with another link is deleted, never emptied. Never throws.
     */
    public void recycle(Path file) {
        long n = tmpCounter.incrementAndGet();
        Path to = recycledPath(n);
        try {
            if (!roomToRecycle()) {
                Files.deleteIfExists(file);
                return;
            }
            Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(file);
            return;
        }
        try {
            Map<String, Object> a = Files.readAttributes(to, "unix:isRegularFile,nlink"); // one stat
            if (!Boolean.TRUE.equals(a.get("isRegularFile")) || ((Number) a.get("nlink")).intValue() != 1) {
                deleteQuietly(to);
                return;
            }
            try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                // emptied: its blocks are free again, and nothing of its content is left
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            deleteQuietly(to);
            return;
        }
        recycling.lock();
        try {
            if (recycledCount < RECYCLED_MAX) {
                if (recycledCount == recycled.length) {
                    recycled = Arrays.copyOf(recycled, Math.min(RECYCLED_MAX, recycled.length * 2));
                }
                recycled[recycledCount++] = n;
                return;
            }
        } finally {
            recycling.unlock();
        }
        deleteQuietly(to);
    }

    /** Empty files waiting in tmp/ for reuse. */
    public int recycledFiles() {
        recycling.lock();
        try {
            return recycledCount;
        } finally {
            recycling.unlock();
        }
    }

    private boolean roomToRecycle() {
        recycling.lock();
        try {
            return recycledCount < RECYCLED_MAX;
        } finally {
            recycling.unlock();
        }
    }

    /** The number of a recycled file to write, or -1. */
    private long takeRecycled() {
        recycling.lock();
        try {
            return recycledCount == 0 ? -1 : recycled[--recycledCount];
        } finally {
            recycling.unlock();
        }
    }

    private Path recycledPath(long n) {
        return tmp.resolve(tmpPrefix + "r" + n);
    }

    /**
     * Removes every file in tmp/ (call at startup, before any writer runs); returns how many were
     * temp files, not counting the empty ones kept for reuse ({@link #recycle}).
     */
    public int clearTmp() throws IOException {
        int n = 0;
        boolean removed = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    boolean spare = RECYCLED_NAME.matcher(f.getFileName().toString()).matches() && Files.size(f) == 0;
                    Files.deleteIfExists(f);
                    removed = true;
                    if (!spare) {
                        n++;
                    }
                }
            }
        }
        if (removed) {
            syncDirectory(tmp);
        }
        return n;
    }

    /** Creates a directory and its missing parents, fsyncing each parent that got a new entry. */
    public void createDirectoriesDurably(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            return;
        }
        Path parent = abs.getParent();
        if (parent != null) {
            createDirectoriesDurably(parent);
        }
        try {
            Files.createDirectory(abs);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw e;
            }
            return;
        }
        if (parent != null) {
            syncDirectory(parent);
        }
    }

    /**
     * The space this process may still use on the volume that holds {@code dir}: one statvfs. Checked
     * on every delivery, so not through {@code Files.getFileStore}, which resolves the path's real
     * name and reads the whole mount table on each call (~30 system calls, three times a message).
     *
     * @throws NoSuchFileException {@code dir} is not a directory (the JDK then reports 0)
     */
    public static long usableSpace(Path dir) throws IOException {
        long space = dir.toFile().getUsableSpace();
        if (space == 0 && !Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "cannot read the free space of a missing directory");
        }
        return space;
    }

    /**
     * The failure is the volume being full: ENOSPC ({@code No space left on device}) or EDQUOT
     * ({@code Disk quota exceeded}), as the JDK reports them on Linux, anywhere in the cause chain.
     * The file written so far has been deleted by then, so the free space alone cannot tell.
     */
    public static boolean outOfSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    ? f.getReason() + " " + t.getMessage() : t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** Deletes a file if present; never throws. */
    public static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // best effort: startup reconciliation finds what is left
        }
    }

    /** True if the file was there and is gone now. */
    public static boolean delete(Path file) throws IOException {
        try {
            Files.delete(file);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private void force(FileChannel ch) throws IOException {
        long start = System.nanoTime();
        ch.force(true);
        metrics.fsync(Duration.ofNanos(System.nanoTime() - start));
    }

    private static long copy(InputStream in, FileChannel ch) throws IOException {
        byte[] buf = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buf)) != -1) {
            writeFully(ch, ByteBuffer.wrap(buf, 0, n));
            total += n;
        }
        return total;
    }

    /**
     * Copies with every lone CR or lone LF written as CRLF, and CRLF after a last line that has no
     * line end (POP3 sends one there, RFC 1939 §3, so the stored octets are the ones RETR sends).
     * An empty stream stays empty.
     */
    static long copyNormalized(InputStream in, FileChannel ch) throws IOException {
        byte[] buf = new byte[BUFFER];
        byte[] out = new byte[LineEnds.room(BUFFER)];
        LineEnds lineEnds = new LineEnds();
        long total = 0;
        int n;
        while ((n = in.read(buf)) != -1) {
            int o = lineEnds.normalize(buf, n, out);
            total += o;
            writeFully(ch, ByteBuffer.wrap(out, 0, o));
        }
        byte[] end = lineEnds.end();
        total += end.length;
        writeFully(ch, ByteBuffer.wrap(end));
        return total;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
