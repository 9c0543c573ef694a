package org.postkontor.deploy.lifecycle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * {@code <data.dir>/postkontor.pid}: this process's PID while it runs, so that scripts can stop
 * or kill exactly it ({@code kill $(cat data/postkontor.pid)}). The file is held with an OS lock
 * for the appliance's lifetime: a second appliance on the same data directory (another process,
 * or this one) is refused, while a file left by a process that died (kill -9, power cut, a
 * container restarted with the same PID) is simply taken over, since its lock died with it.
 * Removed by {@link #close()} on a clean exit.
 */
public final class PidFile implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private PidFile(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    public static PidFile acquire(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException("another postkontor (pid " + read(file).map(String::valueOf).orElse("?")
                    + ") runs on this data directory (" + file + "); stop it first");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(true);
        } catch (IOException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new PidFile(file, ch, lock);
    }

    public static Optional<Long> read(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public Path path() {
        return file;
    }

    /** Deletes the file and releases the lock. Idempotent. */
    @Override
    public synchronized void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stale file is taken over on the next start
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing releases the lock anyway
        }
    }
}
