package org.postkontor.deploy.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Main;
import org.postkontor.deploy.e2e.TestEnv;

/**
 * The real appliance, a child JVM, under mixed SMTP + POP3 load, killed with SIGKILL at random
 * moments and restarted (issue 8). The ledger must show: every message that got 250 was removed by
 * a completed DELE + QUIT, or is still in its mailbox (or was in a QUIT the kill interrupted);
 * nothing removed came back; nothing served differed from what was sent; the appliance serves
 * again within 5 s of each restart. The suite runs 10 cycles; {@link #main} runs as many as asked
 * (RELIABILITY.md has the 50-cycle command and result).
 */
@Tag("crash") // in the gating suite; the tag lets one run only the SIGKILL tests (-Dgroups=crash)
class ApplianceCrashTest {

    static final String PASSWORD = "crash-test-password";
    static final List<String> USERS = List.of("u0@example.test", "u1@example.test", "u2@example.test");

    @TempDir
    Path dir;

    @Test
    void killNineUnderLoadLosesNothingAndResurrectsNothing() throws Exception {
        CrashDriver.Result r = run(dir, 10, 20261127L);
        System.out.println("crash test: " + r.summary() + " restarts_ms=" + millis(r.restartTimes()));
        assertEquals(List.of(), r.violations());
        assertTrue(r.summary().contains("acknowledged="), r.summary());
        // The 5 s bound (issue 8) is a speed: measured and reported by main (the 50-cycle run,
        // RELIABILITY.md), not asserted here, where the suite shares a loaded CI machine. The
        // suite holds the appliance to serving again at all, well within SUITE_RESTART_BOUND.
        for (Duration d : r.restartTimes()) {
            assertTrue(d.compareTo(SUITE_RESTART_BOUND) <= 0, "serving again took " + d + " after a restart");
        }
    }

    static final Duration SUITE_RESTART_BOUND = Duration.ofSeconds(30);

    /**
     * {@code main CYCLES [SEED]}: the long version. Exit 1 if any invariant failed or a restart
     * took more than 5 s. With {@code -Dcrash.shipped=<checkout>} the appliance is started as an
     * admin starts it, by that checkout's {@code ./postkontor run} (its jar, the shipped JVM options
     * and the AOT cache, recorded here first if it is missing or older than the jar); without it,
     * from this JVM's class path, as the suite does.
     */
    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        Path dir = Files.createTempDirectory("postkontor-crash");
        String shipped = System.getProperty("crash.shipped");
        List<String> cmd = shipped == null ? classPathCommand() : shippedCommand(Path.of(shipped));
        System.out.println("appliance: " + String.join(" ", cmd));
        CrashDriver.Result r = run(dir, cycles, seed, cmd);
        System.out.println("cycles=" + r.cycles() + " seed=" + seed + " " + r.summary());
        List<Long> ms = millis(r.restartTimes());
        System.out.println("serving again after restart: max_ms=" + ms.stream().mapToLong(x -> x).max().orElse(0)
                + " all_ms=" + ms);
        r.violations().forEach(v -> System.out.println("VIOLATION " + v));
        System.exit(r.violations().isEmpty() && ms.stream().allMatch(x -> x <= 5000) ? 0 : 1);
    }

    static CrashDriver.Result run(Path dir, int cycles, long seed) throws Exception {
        return run(dir, cycles, seed, classPathCommand());
    }

    /** The appliance from this JVM's class path (class directories in the suite): no AOT cache. */
    static List<String> classPathCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "run");
    }

    /**
     * {@code <checkout>/postkontor run}, which execs the JVM (so the PID killed is the
     * appliance's). Its AOT cache is recorded first, so that no start of the run pays for that.
     */
    static List<String> shippedCommand(Path checkout) throws Exception {
        Path script = checkout.resolve("postkontor").toAbsolutePath();
        // `./postkontor` records the cache before a `run` when it is missing or stale: one start
        // and stop here does it (and shows the script works), outside the measured cycles
        Path warm = Files.createTempDirectory("postkontor-crash-warm");
        Map<String, String> env = TestEnv.forDataDir(warm.resolve("data"));
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "0");
        Process p = TestEnv.child(List.of(script.toString(), "run"), env, warm.resolve("log")).start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline && p.isAlive()
                && !Files.readString(warm.resolve("log")).contains("event=started")) {
            Thread.sleep(200);
        }
        p.destroy();
        p.waitFor();
        return List.of(script.toString(), "run");
    }

    static CrashDriver.Result run(Path dir, int cycles, long seed, List<String> cmd) throws Exception {
        Path data = dir.resolve("data");
        TestEnv.provision(data, USERS, PASSWORD);
        int smtp = freePort();
        int pop3s = freePort();
        Map<String, String> env = TestEnv.forDataDir(data);
        env.put("POSTKONTOR_SMTP_PORT", String.valueOf(smtp));
        env.put("POSTKONTOR_POP3_TLS_PORT", String.valueOf(pop3s));
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "0");
        env.put("POSTKONTOR_LOG_LEVEL", "WARN");
        Path log = dir.resolve("appliance.log");
        CrashDriver.Launcher launcher = () -> TestEnv.child(cmd, env, log).start();
        return new CrashDriver(launcher, smtp, pop3s, USERS, PASSWORD, seed).run(cycles, 4, 2);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static List<Long> millis(List<Duration> ds) {
        List<Long> out = new ArrayList<>();
        ds.forEach(d -> out.add(d.toMillis()));
        return out;
    }
}
