package org.postkontor.deploy.lifecycle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * {@code <data.dir>/postkontor.pid}: this process's PID while it runs, so that scripts can stop
 * or kill exactly it ({@code kill $(cat data/postkontor.pid)}). A file left by a process that no
 * longer exists is replaced; one naming a live Java process refuses the start (one appliance per
 * data directory). Removed by {@link #close()} on a clean exit.
 */
public final class PidFile implements AutoCloseable {

    private final Path file;
    private final long pid;

    private PidFile(Path file, long pid) {
        this.file = file;
        this.pid = pid;
    }

    public static PidFile acquire(Path file) throws IOException {
        long self = ProcessHandle.current().pid();
        Optional<Long> other = read(file);
        if (other.isPresent() && other.get() != self) {
            Optional<ProcessHandle> h = ProcessHandle.of(other.get());
            if (h.isPresent() && h.get().isAlive() && looksLikeJava(h.get())) {
                throw new IOException("another postkontor (pid " + other.get() + ") runs on this data directory ("
                        + file + "); stop it first, or delete the file if that process is not postkontor");
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, self + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new PidFile(file, self);
    }

    private static boolean looksLikeJava(ProcessHandle h) {
        return h.info().command().map(c -> c.contains("java")).orElse(true);
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

    /** Deletes the file if it still names this process. */
    @Override
    public void close() {
        if (read(file).filter(p -> p == pid).isPresent()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // nothing to do: a stale file is replaced on the next start
            }
        }
    }
}
