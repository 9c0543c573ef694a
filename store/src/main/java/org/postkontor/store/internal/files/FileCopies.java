package org.postkontor.store.internal.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies many files durably (backups and restores): in parallel, each copy fsynced, then every
 * directory that got a new entry. A file with the same size at {@link Copy#linkFrom} (an earlier
 * backup on the same volume; files there never change) is hard-linked instead of copied.
 */
public final class FileCopies {

    private static final int CHUNK = 128;

    private FileCopies() {}

    /** One file to copy; {@code linkFrom} may be null. A vanished {@code from} is skipped if {@code optional}. */
    public record Copy(Path from, Path to, Path linkFrom, boolean optional) {}

    /** Files copied, hard-linked, skipped (vanished optional ones), and bytes. */
    public record Result(int copied, int linked, int skipped, long bytes) {}

    /**
     * Copies them all; {@code root} is the top of the target tree: every directory from a file's up
     * to {@code root}'s parent is fsynced, so new directories' entries are durable too.
     */
    public static Result run(List<Copy> copies, Path root) throws IOException {
        List<Future<Result>> parts = new ArrayList<>();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int from = 0; from < copies.size(); from += CHUNK) {
                List<Copy> chunk = copies.subList(from, Math.min(copies.size(), from + CHUNK));
                parts.add(workers.submit(() -> copyChunk(chunk)));
            }
            int copied = 0;
            int linked = 0;
            int skipped = 0;
            long bytes = 0;
            for (Future<Result> f : parts) {
                Result r = f.get();
                copied += r.copied();
                linked += r.linked();
                skipped += r.skipped();
                bytes += r.bytes();
            }
            Path top = root.toAbsolutePath().normalize();
            Set<Path> dirs = new LinkedHashSet<>();
            dirs.add(top);
            if (top.getParent() != null) {
                dirs.add(top.getParent());
            }
            for (Copy c : copies) {
                for (Path d = c.to().toAbsolutePath().normalize().getParent(); d != null && d.startsWith(top)
                        && dirs.add(d); d = d.getParent()) {
                    // each new directory's entry lives in its parent: sync the whole chain
                }
            }
            for (Path d : dirs) {
                if (Files.isDirectory(d)) {
                    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
                        ch.force(true);
                    }
                }
            }
            return new Result(copied, linked, skipped, bytes);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("copy failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying", e);
        }
    }

    private static Result copyChunk(List<Copy> chunk) throws IOException {
        int copied = 0;
        int linked = 0;
        int skipped = 0;
        long bytes = 0;
        for (Copy c : chunk) {
            Files.createDirectories(c.to().getParent());
            long size;
            try {
                size = Files.size(c.from());
            } catch (NoSuchFileException e) {
                if (c.optional()) {
                    skipped++;
                    continue;
                }
                throw e;
            }
            if (c.linkFrom() != null && Files.isRegularFile(c.linkFrom()) && Files.size(c.linkFrom()) == size) {
                try {
                    Files.createLink(c.to(), c.linkFrom());
                    linked++;
                    bytes += size;
                    continue;
                } catch (IOException | UnsupportedOperationException e) {
                    // another volume, or no hard links here: copy
                }
            }
            try {
                Files.copy(c.from(), c.to(), StandardCopyOption.COPY_ATTRIBUTES);
            } catch (NoSuchFileException e) {
                if (c.optional()) {
                    skipped++;
                    continue;
                }
                throw e;
            }
            try (FileChannel ch = FileChannel.open(c.to(), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            copied++;
            bytes += size;
        }
        return new Result(copied, linked, skipped, bytes);
    }
}
