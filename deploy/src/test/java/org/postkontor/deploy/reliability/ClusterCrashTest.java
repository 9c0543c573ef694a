package org.postkontor.deploy.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.cluster.Haproxy;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.postgresql.PostgresConfig;
import org.postkontor.store.postgresql.PostgresStore;
import org.postkontor.store.testing.TestPostgres;

/**
 * Three appliance nodes on the postgresql backend (a real PostgreSQL, Debian's) behind a real
 * HAProxy (Debian's, PROXY protocol v2, health checks on /health/ready), under SMTP + POP3 load
 * through HAProxy that never pauses, one node at a time SIGKILLed at a random moment and started
 * again, 30 times. The ledger ({@link CrashLedger}) must show no acknowledged message lost, none
 * deleted without a completed QUIT, none served with other bytes; messages served twice (a QUIT a
 * kill cut off, then served again by another node) are counted in the summary.
 */
@Tag("crash")
class ClusterCrashTest {

    static final String PASSWORD = "cluster-test-password";
    static final List<String> USERS = List.of("u0@example.test", "u1@example.test", "u2@example.test",
            "u3@example.test");

    @TempDir
    Path dir;

    @Test
    void killingOneNodeAtATimeUnderLoadLosesNothing() throws Exception {
        CrashDriver.Result r = run(dir, 30, 20261207L);
        System.out.println("cluster crash test: " + r.summary() + " restarts_ms="
                + r.restartTimes().stream().map(Duration::toMillis).toList());
        assertEquals(List.of(), r.violations());
    }

    static CrashDriver.Result run(Path dir, int cycles, long seed) throws Exception {
        try (TestPostgres pg = TestPostgres.start()) {
            PostgresConfig db = pg.createSchema("cluster");
            provision(dir.resolve("provision"), db);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            List<CrashDriver.Node> nodes = new ArrayList<>();
            List<Haproxy.Backend> backends = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Haproxy.Backend b = new Haproxy.Backend(freePort(), freePort(), freePort());
                backends.add(b);
                Path data = dir.resolve("node" + i);
                Files.createDirectories(data);
                Map<String, String> env = TestEnv.forDataDir(data);
                env.put("POSTKONTOR_SMTP_PORT", String.valueOf(b.smtp()));
                env.put("POSTKONTOR_POP3_TLS_PORT", String.valueOf(b.pop3s()));
                env.put("POSTKONTOR_HTTP_PORT", String.valueOf(b.http()));
                env.put("POSTKONTOR_SMTP_PROXY_PROTOCOL", "true");
                env.put("POSTKONTOR_POP3_PROXY_PROTOCOL", "true");
                env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "0");
                env.put("POSTKONTOR_LOG_LEVEL", "WARN");
                env.put("POSTKONTOR_STORE_BACKEND", "postgresql");
                env.put("POSTKONTOR_STORE_JDBC_URL", db.jdbcUrl());
                env.put("POSTKONTOR_STORE_JDBC_USER", db.user());
                env.put("POSTKONTOR_STORE_JDBC_POOL_SIZE", "8");
                Path log = dir.resolve("node" + i + ".log");
                URI ready = URI.create("http://127.0.0.1:" + b.http() + "/health/ready");
                nodes.add(new CrashDriver.Node() {
                    @Override
                    public Process start() throws IOException {
                        return TestEnv.child(ApplianceCrashTest.classPathCommand(), env, log).start();
                    }

                    @Override
                    public boolean ready() {
                        try {
                            return http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                        } catch (IOException e) {
                            return false;
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    }
                });
            }
            int smtp = freePort();
            int pop3s = freePort();
            try (Haproxy lb = Haproxy.start(dir, smtp, pop3s, backends)) {
                return new CrashDriver(null, smtp, pop3s, USERS, PASSWORD, seed).runRolling(nodes, cycles, 4, 3);
            }
        }
    }

    /** The domain and users, written to the database before any node starts. */
    private static void provision(Path local, PostgresConfig db) throws Exception {
        StoreConfig under = StoreConfig.under(local);
        try (Store store = PostgresStore.open(db, new StoreConfig(under.spoolDir(), under.indexDir(),
                under.badmailDir(), 0), Appliance.defaultHasher(), Clock.systemUTC(), StoreMetrics.NOOP)) {
            store.admin().addDomain("example.test");
            for (String u : USERS) {
                store.admin().addUser(MailAddress.parse(u), PASSWORD.toCharArray(), Quota.NONE);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code main CYCLES [SEED]}: the same, as long as asked. */
    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        CrashDriver.Result r = run(Files.createTempDirectory("postkontor-cluster-crash"), cycles, seed);
        System.out.println("cycles=" + r.cycles() + " seed=" + seed + " " + r.summary());
        r.violations().forEach(v -> System.out.println("VIOLATION " + v));
        System.exit(r.violations().isEmpty() ? 0 : 1);
    }
}
