package org.postkontor.store.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM for the SIGKILL tests: the test's class path, a main class, its arguments; standard
 * output read line by line, standard error appended to a log file. {@link #kill()} sends SIGKILL to
 * exactly that process through its handle ({@link Process#destroyForcibly()} would also close our
 * end of its standard output, and lines it wrote that we had not read yet would be lost), then reads
 * the pipe to its end.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reader = Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died
            }
        });
    }

    /** Starts {@code main} with a small heap and C1 only (they start faster), its stderr to {@code log}. */
    public static ChildJvm start(Class<?> main, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ChildJvm(p, log);
    }

    /**
     * The lines read until one that {@code until} accepts, that one included; fails if the child
     * exits or {@code limit} passes first (the message quotes its log).
     */
    public List<String> await(Predicate<String> until, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline && (process.isAlive() || !lines.isEmpty())) {
            String l = lines.poll(100, TimeUnit.MILLISECONDS);
            if (l != null) {
                seen.add(l);
                if (until.test(l)) {
                    return seen;
                }
            }
        }
        throw new AssertionError("the child did not get there; its log " + log + ":\n" + Files.readString(log));
    }

    /** SIGKILL, then every line it wrote that was not read yet. */
    public List<String> kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not die");
        }
        reader.join(10_000);
        List<String> rest = new ArrayList<>();
        lines.drainTo(rest);
        return rest;
    }

    @Override
    public void close() {
        process.toHandle().destroyForcibly();
    }
}
