package org.postkontor.deploy.diskfull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.postkontor.deploy.Main;
import org.postkontor.deploy.e2e.TestEnv;

/**
 * The real appliance as a child JVM ({@code java -cp <test classpath> org.postkontor.deploy.Main
 * run}) on fixed free loopback ports, its output appended to a log file. Stopped by its own PID:
 * SIGTERM, then SIGKILL if it does not exit in time.
 */
final class ApplianceProcess implements AutoCloseable {

    final int smtpPort;
    final int pop3Port;
    final int adminPort;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    ApplianceProcess(Map<String, String> env, Path log) throws IOException {
        this.smtpPort = freePort();
        this.pop3Port = freePort();
        this.adminPort = freePort();
        this.env = env;
        this.log = log;
        env.put("POSTKONTOR_SMTP_PORT", Integer.toString(smtpPort));
        env.put("POSTKONTOR_POP3_PORT", Integer.toString(pop3Port));
        env.put("POSTKONTOR_ADMIN_PORT", Integer.toString(adminPort));
        env.put("POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK", "true");
        env.put("POSTKONTOR_LOG_LEVEL", "INFO");
    }

    static List<String> java(String mainClass, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts the appliance and waits (bounded) until SMTP and POP3 accept connections. */
    void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = TestEnv.child(java(Main.class.getName(), "run"), env, log).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the appliance exited with " + process.exitValue() + " at start:\n"
                        + logTail());
            }
            if (accepts(smtpPort) && accepts(pop3Port) && accepts(adminPort)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the appliance did not serve within 60 s:\n" + logTail());
    }

    /** SIGTERM to exactly this process, SIGKILL after 30 s; returns the exit code. */
    int stop() throws InterruptedException {
        if (process == null) {
            return -1;
        }
        Process p = process;
        process = null;
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return p.exitValue();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
