package org.postkontor.admin.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the admin CLI in a child JVM ({@code java -cp <test classpath> MAIN [ARGS] --data-dir DIR ...}),
 * as an admin or a script would: {@link TestCli} in admin's tests, the appliance's
 * {@code Main admin} in deploy's.
 */
public final class CliProcess {

    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static final long TIMEOUT_SECONDS = 180;

    private CliProcess() {}

    /** {@link TestCli} with {@code args}. */
    public static Result run(Path dataDir, String stdin, String... args) {
        return run(List.of(TestCli.class.getName()), dataDir, stdin, args);
    }

    /**
     * @param main the main class and the arguments before {@code --data-dir}, e.g.
     *             {@code [org.postkontor.deploy.Main, admin]}
     */
    public static Result run(List<String> main, Path dataDir, String stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(main);
        cmd.add("--data-dir");
        cmd.add(dataDir.toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread to = pump(p.getInputStream(), out);
            Thread te = pump(p.getErrorStream(), err);
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            assertTrue(done, "the CLI did not end within " + TIMEOUT_SECONDS + " s: " + String.join(" ", args));
            to.join(10_000);
            te.join(10_000);
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                in.transferTo(sink);
            } catch (IOException e) {
                // the process ended
            }
        });
    }
}
