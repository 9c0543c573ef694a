package org.postkontor.deploy.e2e;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The POSTKONTOR_* variables of a test appliance: every listener on 127.0.0.1 port 0, data in a temp dir. */
public final class TestEnv {
    private TestEnv() {}

    public static Map<String, String> forDataDir(Path dataDir) {
        Map<String, String> env = new HashMap<>();
        env.put("POSTKONTOR_DATA_DIR", dataDir.toString());
        for (String k : List.of("SMTP", "POP3", "HTTP", "ADMIN")) {
            env.put("POSTKONTOR_" + k + "_BIND", "127.0.0.1");
            env.put("POSTKONTOR_" + k + "_PORT", "0");
        }
        env.put("POSTKONTOR_POP3_TLS_PORT", "0");
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "1MiB");
        env.put("POSTKONTOR_POP3_FAILED_LOGIN_DELAY", "0");
        env.put("POSTKONTOR_SERVER_HOSTNAME", "mx.example.test");
        env.put("POSTKONTOR_SHUTDOWN_GRACE_PERIOD", "5s");
        env.put("POSTKONTOR_TLS_RELOAD_INTERVAL", "0");
        return env;
    }
}
