package org.postkontor.deploy.e2e;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.deploy.Appliance;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;

/** The POSTKONTOR_* variables of a test appliance: every listener on 127.0.0.1 port 0, data in a temp dir. */
public final class TestEnv {
    private TestEnv() {}

    /**
     * A child process for {@code command} with exactly {@code env} as its POSTKONTOR_* settings
     * (the caller's own are removed), stdout and stderr appended to {@code log}.
     */
    public static ProcessBuilder child(List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("POSTKONTOR_"));
        pb.environment().putAll(env);
        return pb;
    }

    public static Map<String, String> forDataDir(Path dataDir) {
        Map<String, String> env = new HashMap<>();
        env.put("POSTKONTOR_DATA_DIR", dataDir.toString());
        for (String k : List.of("SMTP", "POP3", "HTTP", "ADMIN")) {
            env.put("POSTKONTOR_" + k + "_BIND", "127.0.0.1");
            env.put("POSTKONTOR_" + k + "_PORT", "0");
        }
        env.put("POSTKONTOR_POP3_TLS_PORT", "0");
        env.put("POSTKONTOR_SUBMISSION_BIND", "127.0.0.1");
        env.put("POSTKONTOR_SUBMISSION_PORT", "0");
        env.put("POSTKONTOR_SUBMISSION_TLS_PORT", "0");
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "1MiB");
        env.put("POSTKONTOR_POP3_FAILED_LOGIN_DELAY", "0");
        env.put("POSTKONTOR_SERVER_HOSTNAME", "mx.example.test");
        env.put("POSTKONTOR_SHUTDOWN_GRACE_PERIOD", "5s");
        env.put("POSTKONTOR_TLS_RELOAD_INTERVAL", "0");
        return env;
    }

    /**
     * Makes a data directory for a child appliance (reserve 0): domain {@code example.test} and
     * these users, all with one password, hashed as the appliance hashes.
     */
    public static void provision(Path dataDir, List<String> users, String password) throws StoreException {
        StoreConfig sc = new StoreConfig(dataDir.resolve("spool"), dataDir.resolve("index"),
                dataDir.resolve("badmail"), 0);
        try (Store store = EmbeddedStore.open(sc, Appliance.defaultHasher(), Clock.systemUTC(), StoreMetrics.NOOP)) {
            store.admin().addDomain("example.test");
            for (String u : users) {
                store.admin().addUser(MailAddress.parse(u), password.toCharArray(), Quota.NONE);
            }
        }
    }
}
