package org.postkontor.smtp.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postkontor.store.testing.ClientTools;

/**
 * Debian's rspamd for tests: the stock configuration with the files Postkontor ships in
 * {@code deploy/rspamd/local.d/} (the ones the Compose image uses), plus what a test needs: the
 * normal worker on 127.0.0.1 and a free port, no proxy or controller, and every DNS query going to
 * the test's own DNS server ({@link LocalDns}). Runs in the foreground as a child process (as
 * {@code _rspamd} when the test runs as root), stopped by its PID. Skipped where rspamd is
 * missing, a failure under CI ({@link ClientTools}).
 */
public final class LocalRspamd implements AutoCloseable {

    public static final Path RSPAMD = Path.of("/usr/bin/rspamd");
    /** Postkontor's rspamd configuration, as the Compose image gets it. */
    public static final Path SHIPPED = Path.of("..", "deploy", "rspamd", "local.d");

    private final Path dir;
    private final int port;
    private final Map<String, String> env;
    private Process process;

    private LocalRspamd(Path dir, int port, Map<String, String> env) {
        this.dir = dir;
        this.port = port;
        this.env = env;
    }

    /**
     * Starts rspamd; returns when it answers {@code /ping}.
     *
     * @param dns the only DNS server rspamd asks
     * @param env extra environment, e.g. {@code RSPAMD_CLAMAV_SERVERS}
     */
    public static LocalRspamd start(InetSocketAddress dns, Map<String, String> env) throws IOException, InterruptedException {
        ClientTools.require(Files.isExecutable(RSPAMD), "rspamd (Debian package rspamd)");
        Path dir = Files.createTempDirectory("postkontor-rspamd-");
        Path local = Files.createDirectories(dir.resolve("local.d"));
        try (Stream<Path> s = Files.list(SHIPPED)) {
            for (Path f : s.toList()) {
                Files.copy(f, local.resolve(f.getFileName()));
            }
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Files.writeString(local.resolve("options.inc"), "dns {\n  nameserver = [\"" + dns.getHostString() + ":"
                + dns.getPort() + "\"];\n  timeout = 1s;\n  retransmits = 1;\n}\n"
                // tests connect from 127.0.0.1: treat it as the internet client it stands for
                + "local_addrs = [];\n");
        Files.writeString(local.resolve("worker-normal.inc"), "bind_socket = \"127.0.0.1:" + port + "\";\ncount = 1;\n");
        Files.writeString(local.resolve("worker-controller.inc"), "enabled = false;\n");
        Files.writeString(local.resolve("worker-proxy.inc"), "enabled = false;\n");
        Files.writeString(local.resolve("logging.inc"), "type = \"console\";\nlevel = \"info\";\n");
        // rspamd's SPF, DKIM, DMARC and ARC modules skip loopback clients unless told not to
        for (String module : List.of("spf", "dkim", "dmarc", "arc")) {
            Files.writeString(local.resolve(module + ".conf"), "\ncheck_local = true;\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        // no internet here: the modules that would only time out against remote services are off
        for (String module : List.of("fuzzy_check", "rbl", "surbl", "asn", "emails")) {
            Files.writeString(local.resolve(module + ".conf"), "enabled = false;\n");
        }
        for (String d : List.of("run", "db", "log")) {
            Files.createDirectories(dir.resolve(d));
        }
        if (root()) {
            chownAll(dir);
        }
        LocalRspamd r = new LocalRspamd(dir, port, env);
        r.start();
        return r;
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void chownAll(Path dir) throws IOException, InterruptedException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Process p = new ProcessBuilder("chown", "-R", "_rspamd:_rspamd", dir.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("chown _rspamd " + dir + " failed");
        }
    }

    /** (Re)starts the stopped daemon on the same port and configuration. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(RSPAMD.toString(), "-f", "-c", "/etc/rspamd/rspamd.conf",
                "--var=LOCAL_CONFDIR=" + dir, "--var=RUNDIR=" + dir.resolve("run"), "--var=DBDIR=" + dir.resolve("db"),
                "--var=LOGDIR=" + dir.resolve("log")));
        if (root()) {
            cmd.addAll(List.of("-u", "_rspamd", "-g", "_rspamd"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rspamd.out").toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("rspamd exited with " + process.exitValue() + "; see " + dir.resolve("rspamd.out")
                        + ":\n" + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/ping"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        stop();
        throw new IOException("rspamd did not answer /ping within 60 s:\n" + log());
    }

    /** Stops it (SIGTERM to the main process, which stops its workers); the port is free afterwards. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** The normal worker, as {@code filter.rspamd-url} names it. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The daemon's output so far (for failure messages). */
    public String log() throws IOException {
        Path f = dir.resolve("rspamd.out");
        if (!Files.exists(f)) {
            return "";
        }
        String s = Files.readString(f);
        return s.length() > 8000 ? s.substring(s.length() - 8000) : s;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        stop();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
