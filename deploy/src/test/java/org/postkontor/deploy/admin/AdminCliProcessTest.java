package org.postkontor.deploy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.admin.testing.CliProcess;
import org.postkontor.admin.testing.InProcessCli;
import org.postkontor.admin.testing.TestAppliance;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.Main;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.MailAddress;

/**
 * The real CLI process (a child JVM, as an admin or a script runs it) against a stopped appliance
 * (the CLI opens the store itself) and against a running one (the CLI goes through the admin HTTP
 * API, since the embedded index admits one process), through the appliance's own entry point
 * ({@code Main admin}, its config lookup and CLI logging). The admin module's AdminCommandTest covers every command
 * in-process.
 */
class AdminCliProcessTest {

    @TempDir
    Path data;

    final ObjectMapper json = new ObjectMapper();

    /** The real appliance on loopback, every port chosen by the system. */
    static Map<String, String> applianceEnv(Path dataDir) {
        return TestEnv.forDataDir(dataDir);
    }

    /** The CLI as the appliance ships it: {@code java -cp ... org.postkontor.deploy.Main admin ...}. */
    static CliProcess.Result cli(Path dataDir, String stdin, String... args) {
        return CliProcess.run(List.of(Main.class.getName(), "admin"), dataDir, stdin, args);
    }

    static void expect(int exit, CliProcess.Result r) {
        assertEquals(exit, r.exit(), r.toString());
    }

    @Test
    void againstAStoppedAndThenARunningAppliance() throws Exception {
        // stopped: the CLI opens the store
        expect(0, cli(data, null, "domain", "add", "example.test"));
        expect(0, cli(data, "Correct-Horse-9\n", "user", "add", "alice@example.test", "--password-stdin"));
        CliProcess.Result r = cli(data, "Correct-Horse-9\n", "user", "add", "bob@unknown.test",
                "--password-stdin");
        expect(2, r);
        assertTrue(r.err().contains("unknown domain unknown.test"), r.toString());
        assertTrue(r.out().isEmpty(), "logs never on stdout\n" + r);
        r = cli(data, null, "status", "--json");
        expect(0, r);
        assertEquals("offline", json.readTree(r.out()).path("mode").asText(), r.out());

        // running (the real appliance): the CLI talks to its admin API
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), applianceEnv(data));
        try (Appliance app = Appliance.start(config, Clock.systemUTC(), Appliance.defaultHasher())) {
            assertTrue(Files.isRegularFile(ApplianceConfig.pidFileIn(data)), "the appliance wrote its PID file");
            String api = "http://127.0.0.1:" + app.address("admin").orElseThrow().getPort();
            r = cli(data, null, "--api", api, "status", "--json");
            expect(0, r);
            assertEquals("running", json.readTree(r.out()).path("mode").asText(), r.out());
            expect(0, cli(data, "Battery-Staple-7\n", "--api", api, "user", "add", "carol@example.test",
                    "--password-stdin"));
            assertTrue(app.store().accounts().authenticate("carol@example.test", "Battery-Staple-7".toCharArray())
                    .isPresent(), "the running appliance's store has the user");
            r = cli(data, "Battery-Staple-7\n", "--api", api, "user", "add", "carol@example.test",
                    "--password-stdin");
            expect(2, r);
            r = cli(data, null, "--api", api, "user", "list", "--json");
            expect(0, r);
            JsonNode users = json.readTree(r.out());
            assertEquals(2, users.size(), r.out());

            // the appliance runs but its PID file is gone: the CLI cannot open the locked store, and says so
            Path pid = ApplianceConfig.pidFileIn(data);
            Path aside = data.resolve("pid.aside");
            Files.move(pid, aside);
            r = cli(data, null, "domain", "add", "other.test");
            Files.move(aside, pid);
            expect(3, r);
            assertTrue(r.err().contains("cannot open the store"), r.toString());

            Path other = data.resolve("other");
            Files.createDirectories(other);
            Files.writeString(other.resolve(AdminToken.FILE_NAME), "this-is-not-the-token-0123456789\n");
            Files.writeString(ApplianceConfig.pidFileIn(other), ProcessHandle.current().pid() + "\n");
            r = cli(other, null, "--api", api, "domain", "add", "evil.test");
            expect(3, r);
            assertTrue(r.err().contains("missing or wrong admin token"), r.toString());
        }

        // stopped again: the store has what the API did
        r = cli(data, null, "user", "list");
        expect(0, r);
        assertTrue(r.out().contains("carol@example.test"), r.out());
        try (TestAppliance app = TestAppliance.start(data, false)) {
            assertEquals(Optional.of(MailAddress.parse("alice@example.test")),
                    app.store().accounts().authenticate("alice@example.test", "Correct-Horse-9".toCharArray()));
        }
    }

    @Test
    void importsAnMboxAndIsSafeToRunAgain() throws Exception {
        Path mbox = data.resolve("old.mbox");
        Files.writeString(mbox, """
                From alice@example.test Mon Jan  1 10:00:00 2024
                From: friend@remote.test
                Subject: one
                X-UIDL: 1a2b3c

                body

                From friend@remote.test Tue Jan  2 11:30:00 2024
                From: friend@remote.test
                Subject: two

                Second
                """);
        expect(0, InProcessCli.run(data, null, "domain", "add", "example.test"));
        expect(0, InProcessCli.run(data, "Correct-Horse-9\n", "user", "add", "alice@example.test", "--password-stdin"));
        CliProcess.Result r = cli(data, null, "import", "mbox", mbox.toString(), "--user",
                "alice@example.test");
        expect(0, r);
        assertTrue(r.out().contains("imported 2 messages into alice@example.test"), r.toString());
        assertTrue(r.err().contains("import: 2/2 messages"), "plain progress lines when not on a terminal\n" + r);
        r = cli(data, null, "import", "mbox", mbox.toString(), "--user", "alice@example.test", "--json");
        expect(0, r);
        assertEquals(0, json.readTree(r.out()).path("imported").asInt(), r.out());
        assertEquals(2, json.readTree(r.out()).path("skipped").asInt(), r.out());
    }
}
