package org.postkontor.store.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postkontor.store.postgresql.PostgresConfig;

/**
 * A throw-away PostgreSQL cluster for tests: Debian's {@code postgresql} package, a fresh
 * {@code initdb} in a temp directory, the server on 127.0.0.1 and a free port, trust authentication
 * for its superuser {@code postgres}. Run as root, it drops to the {@code postgres} user with
 * {@code setpriv}, which execs (no fork), so the process handle is the postmaster's and stopping
 * goes to its PID. {@code fsync} is off (nothing here tests PostgreSQL's own crash safety).
 * Missing PostgreSQL skips the test (fails it under CI).
 *
 * <p>{@link #shared()} is one cluster per test JVM, stopped when the JVM exits; tests that stop or
 * restart the server start their own.
 */
public final class TestPostgres implements AutoCloseable {

    private static TestPostgres shared;

    private final Path dir;
    private final int port;
    private final boolean root;
    private Process process;

    private TestPostgres(Path dir, int port, boolean root) {
        this.dir = dir;
        this.port = port;
        this.root = root;
    }

    /** The JVM's shared cluster, started on first use. */
    public static synchronized TestPostgres shared() throws IOException, InterruptedException {
        if (shared == null) {
            TestPostgres p = start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::close, "test-postgres-stop"));
            shared = p;
        }
        return shared;
    }

    public static TestPostgres start() throws IOException, InterruptedException {
        Path bin = bin();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("postkontor-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        if (root) {
            run(List.of("chown", "postgres:postgres", dir.toString()));
        }
        run(as(root, List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")));
        TestPostgres p = new TestPostgres(dir, freePort(), root);
        p.startServer();
        return p;
    }

    private static Path bin() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            Path bin = versions.sorted(Comparator.reverseOrder()).map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres"))).findFirst().orElse(null);
            ClientTools.require(bin != null, "PostgreSQL (Debian package postgresql) is not installed");
            return bin;
        } catch (IOException e) {
            ClientTools.require(false, "PostgreSQL (Debian package postgresql) is not installed");
            throw new IllegalStateException(e);
        }
    }

    private static List<String> as(boolean root, List<String> cmd) {
        if (!root) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                "--"));
        out.addAll(cmd);
        return out;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts the server (again) on the same directory and port; returns when it takes connections. */
    public synchronized void startServer() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        Path log = dir.resolve("postgres.log");
        process = new ProcessBuilder(as(root, List.of(bin().resolve("postgres").toString(), "-D",
                dir.resolve("data").toString(), "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=" + dir, "-c", "fsync=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200", "-c", "shared_buffers=64MB")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("postgres exited with " + process.exitValue() + "; see " + log);
            }
            try (Connection c = DriverManager.getConnection(url("public"), "postgres", "")) {
                return;
            } catch (SQLException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("postgres did not start; see " + log);
    }

    /** Stops the server (fast shutdown: sessions are cut, nothing committed is lost). */
    public synchronized void stopServer() throws InterruptedException {
        if (process == null) {
            return;
        }
        // SIGINT is PostgreSQL's fast shutdown; Process.destroy would send SIGTERM (smart: waits for clients)
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
        } catch (IOException e) {
            process.destroy();
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    public int port() {
        return port;
    }

    /** The JDBC URL of the {@code postgres} database with {@code schema} current. */
    public String url(String schema) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?currentSchema=" + schema;
    }

    /** A new empty schema and the store config that keeps its tables there. */
    public PostgresConfig createSchema(String schema) throws SQLException {
        execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        return new PostgresConfig(url(schema), "postgres", null, 8);
    }

    public void dropSchema(String schema) throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url("public"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        try {
            stopServer();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
