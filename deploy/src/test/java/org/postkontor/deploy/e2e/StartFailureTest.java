package org.postkontor.deploy.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.store.testing.PlainTestHasher;

/** A start that cannot complete names the keys to look at and leaves nothing running behind. */
class StartFailureTest {

    @TempDir
    Path dir;

    @Test
    void portInUseNamesTheKeysAndUndoesTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
            env.put("POSTKONTOR_POP3_PORT", String.valueOf(taken.getLocalPort()));
            ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
            Appliance.StartException e = assertThrows(Appliance.StartException.class,
                    () -> Appliance.start(config, Clock.systemUTC(), new PlainTestHasher()));
            assertTrue(e.getMessage().contains("pop3.port") && e.getMessage().contains("pop3.bind"), e.getMessage());
            assertFalse(Files.exists(config.pidFile()), "PID file removed");
            // Everything was released: the same data directory starts at once on free ports.
            env.put("POSTKONTOR_POP3_PORT", "0");
            try (Appliance a = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(),
                    new PlainTestHasher())) {
                assertTrue(a.readiness().ready(), a.readiness().problems().toString());
            }
        }
    }

    @Test
    void secondApplianceOnTheSameDataIsRefused() throws Exception {
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        try (Appliance first = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(),
                new PlainTestHasher())) {
            Appliance.StartException e = assertThrows(Appliance.StartException.class, () -> Appliance.start(
                    ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(), new PlainTestHasher()));
            assertTrue(e.getMessage().contains("another postkontor (pid " + ProcessHandle.current().pid() + ")"),
                    e.getMessage());
            assertTrue(Files.exists(first.pidFile()), "the first appliance keeps its PID file");
            assertTrue(first.readiness().ready(), first.readiness().problems().toString());
        }
    }

    @Test
    void stalePidFileOfADeadProcessIsTakenOver() throws Exception {
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/postkontor.pid"), ProcessHandle.current().pid() + "\n");
        try (Appliance a = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(),
                new PlainTestHasher())) {
            assertTrue(Files.exists(a.pidFile()));
        }
    }
}
