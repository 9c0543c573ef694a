package org.postkontor.deploy.diskfull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A size-limited tmpfs mounted on a directory: a small file system with a hard limit, so writes
 * past it fail with ENOSPC. Needs root (or CAP_SYS_ADMIN); {@link #mount} skips the test with an
 * Assumptions message otherwise. {@link #close()} unmounts (lazily if something still holds it).
 */
final class Tmpfs implements AutoCloseable {

    private final Path dir;
    private boolean mounted;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code sizeMiB} MiB on {@code dir} (created if missing), or skips the test. */
    static Tmpfs mount(Path dir, int sizeMiB) throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) || uid() == 0,
                "disk-full tests mount a size-limited tmpfs and need root; running as uid " + uid());
        Files.createDirectories(dir);
        Tmpfs t = new Tmpfs(dir);
        Result r;
        try {
            r = run("mount", "-t", "tmpfs", "-o", "size=" + sizeMiB + "m,mode=0700", "tmpfs", dir.toString());
        } catch (IOException e) {
            r = new Result(-1, e.toString());
        }
        Assumptions.assumeTrue(r.exit == 0, "mount -t tmpfs is not permitted here (exit " + r.exit + "): " + r.output);
        t.mounted = true;
        return t;
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) {
            return;
        }
        Result r = run("umount", dir.toString());
        if (r.exit != 0) {
            // something still has a file open (a process that outlived its stop): detach it anyway
            Result lazy = run("umount", "-l", dir.toString());
            if (lazy.exit != 0) {
                throw new IOException("cannot unmount " + dir + ": " + r.output + " / " + lazy.output);
            }
        }
        mounted = false;
    }

    private static long uid() {
        try {
            Object v = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return ((Number) v).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private record Result(int exit, String output) {}

    private static Result run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
