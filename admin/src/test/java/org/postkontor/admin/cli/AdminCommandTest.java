package org.postkontor.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.admin.testing.CliProcess;
import org.postkontor.admin.testing.InProcessCli;
import org.postkontor.admin.testing.TestAppliance;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;

/**
 * Every admin command and its errors, run in-process (deploy's AdminCliProcessTest runs the real
 * process against the real appliance; {@link DovecotMigrationTest} runs it as a process too).
 */
class AdminCommandTest {

    @TempDir
    Path data;

    final ObjectMapper json = new ObjectMapper();

    CliProcess.Result cli(String stdin, String... args) {
        return InProcessCli.run(data, stdin, args);
    }

    static void expect(int exit, CliProcess.Result r) {
        assertEquals(exit, r.exit(), r.toString());
    }

    @Test
    void stoppedApplianceTheCliOpensTheStore() throws Exception {
        expect(0, cli(null, "domain", "add", "Example.TEST"));
        expect(0, cli("Correct-Horse-9\n", "user", "add", "alice@example.test", "--password-stdin", "--quota", "50M"));

        CliProcess.Result r = cli("Correct-Horse-9\n", "user", "add", "bob@unknown.test", "--password-stdin");
        expect(2, r);
        assertTrue(r.err().contains("unknown domain unknown.test"), r.toString());
        r = cli("secret\n", "user", "add", "bob@example.test", "--password-stdin");
        expect(1, r);
        assertTrue(r.err().contains("weak password"), r.toString());
        r = cli("\n", "user", "add", "bob@example.test", "--password-stdin");
        expect(1, r);
        assertTrue(r.err().contains("empty password"), r.toString());
        r = cli("Correct-Horse-9\n", "user", "add", "bob at example.test", "--password-stdin");
        expect(1, r);
        assertTrue(r.err().contains("malformed address"), r.toString());
        r = cli(null, "user", "add", "bob@example.test");
        expect(1, r);
        assertTrue(r.err().contains("--password-stdin"), "no terminal: says how to give the password\n" + r);
        r = cli("Another-Pass-1\n", "user", "add", "alice@example.test", "--password-stdin");
        expect(2, r);
        r = cli(null, "user", "remove", "alice@example.test");
        expect(1, r);
        assertTrue(r.err().contains("--keep-mail | --delete-mail"), r.toString());
        r = cli(null, "domain", "remove", "example.test");
        expect(2, r);
        r = cli(null, "domain", "policy", "example.test", "catch-all", "nobody");
        expect(2, r);
        expect(0, cli(null, "domain", "policy", "example.test", "catch-all", "alice"));

        r = cli(null, "user", "list", "--json");
        expect(0, r);
        JsonNode users = json.readTree(r.out());
        assertEquals(1, users.size(), r.out());
        assertEquals("alice@example.test", users.get(0).path("address").asText());
        assertEquals(50L * 1024 * 1024, users.get(0).path("quotaBytes").asLong());
        assertEquals("ARGON2ID", users.get(0).path("scheme").asText());

        r = cli(null, "user", "list");
        expect(0, r);
        assertTrue(r.out().startsWith("USER "), r.out());
        assertTrue(r.out().contains("alice@example.test  enabled"), r.out());

        r = cli(null, "status", "--json");
        expect(0, r);
        JsonNode status = json.readTree(r.out());
        assertEquals("offline", status.path("mode").asText());
        assertEquals(1, status.path("users").asInt());
        assertTrue(status.path("freeDisk").path("spool").asLong() > 0, r.out());

        r = cli(null, "domain", "list", "--json");
        expect(0, r);
        assertEquals("catch-all:alice", json.readTree(r.out()).get(0).path("policy").asText());

        // what the CLI wrote is in the store, and the password works
        try (TestAppliance app = TestAppliance.start(data, false)) {
            assertEquals(Optional.of(MailAddress.parse("alice@example.test")),
                    app.store().accounts().authenticate("alice@example.test", "Correct-Horse-9".toCharArray()));
        }
    }

    @Test
    void runningApplianceTheCliUsesTheAdminApi() throws Exception {
        try (TestAppliance app = TestAppliance.start(data, false)) {
            String api = app.api().toString();
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(data.resolve(AdminToken.FILE_NAME))));

            CliProcess.Result r = cli(null, "--api", api, "status", "--json");
            expect(0, r);
            assertEquals("running", json.readTree(r.out()).path("mode").asText(), r.out());

            expect(0, cli(null, "--api", api, "domain", "add", "example.test"));
            expect(0, cli("Correct-Horse-9\n", "--api", api, "user", "add", "alice@example.test", "--password-stdin"));
            expect(0, cli("Battery-Staple-7\n", "--api", api, "user", "add", "carol@example.test", "--password-stdin"));
            // the running appliance's store has them: the CLI went through the API (H2 admits one process)
            assertTrue(app.store().admin().user(MailAddress.parse("carol@example.test")).isPresent());

            r = cli("weak\n", "--api", api, "user", "passwd", "carol@example.test", "--password-stdin");
            expect(1, r);
            assertTrue(r.err().contains("weak password"), r.toString());
            expect(0, cli("New-Battery-8\n", "--api", api, "user", "passwd", "carol@example.test", "--password-stdin"));
            assertTrue(app.store().accounts().authenticate("carol@example.test", "New-Battery-8".toCharArray()).isPresent());

            expect(0, cli(null, "--api", api, "alias", "add", "team@example.test", "alice@example.test",
                    "carol@example.test"));
            r = cli(null, "--api", api, "alias", "add", "x@example.test", "ghost@example.test");
            expect(2, r);
            assertTrue(r.err().contains("ghost@example.test does not exist"), r.toString());
            r = cli(null, "--api", api, "alias", "list");
            expect(0, r);
            assertTrue(r.out().contains("team@example.test  alice@example.test, carol@example.test"), r.out());

            r = cli(null, "--api", api, "user", "quota", "alice@example.test", "--quota", "10M", "--quota-messages",
                    "500", "--json");
            expect(0, r);
            assertEquals(500, json.readTree(r.out()).path("quotaMessages").asInt());

            expect(0, cli(null, "--api", api, "user", "disable", "carol@example.test"));
            assertFalse(app.store().accounts().authenticate("carol@example.test", "New-Battery-8".toCharArray())
                    .isPresent());
            expect(0, cli(null, "--api", api, "user", "enable", "carol@example.test"));

            // badmail: list, show, export, redeliver --to
            app.badmail().admit(new BadmailEnvelope("sender@remote.test", List.of("bobby@example.test"), "192.0.2.1",
                    "mx.remote.test", Instant.now()), new BadmailReason("unknown_user", 550, "5.1.1", "no such user",
                    Instant.now()), new ByteArrayInputStream("Subject: lost\r\n\r\nfind me\r\n".getBytes(StandardCharsets.UTF_8)));
            r = cli(null, "--api", api, "badmail", "list", "--json");
            expect(0, r);
            JsonNode items = json.readTree(r.out());
            assertEquals(1, items.size(), r.out());
            String id = items.get(0).path("id").asText();
            r = cli(null, "--api", api, "badmail", "show", id);
            expect(0, r);
            assertTrue(r.out().contains("unknown_user: 550 5.1.1 no such user"), r.out());
            assertTrue(r.out().contains("Subject: lost"), r.out());
            Path eml = data.resolve("lost.eml");
            expect(0, cli(null, "--api", api, "badmail", "export", id, eml.toString()));
            assertEquals("Subject: lost\r\n\r\nfind me\r\n", Files.readString(eml));
            r = cli(null, "--api", api, "badmail", "redeliver", id);
            expect(2, r);
            assertTrue(r.err().contains("bobby@example.test"), r.toString());
            expect(0, cli(null, "--api", api, "badmail", "redeliver", id, "--to", "alice@example.test"));
            expect(2, cli(null, "--api", api, "badmail", "show", id));
            try (Maildrop drop = app.store().maildrops().open(MailAddress.parse("alice@example.test"))) {
                assertEquals(1, drop.listing().size());
            }
            r = cli(null, "--api", api, "badmail", "purge");
            expect(1, r);
            expect(0, cli(null, "--api", api, "badmail", "purge", "--older-than", "30d"));

            // remove says what happens to the mail
            expect(0, cli(null, "--api", api, "user", "remove", "carol@example.test", "--delete-mail"));
            expect(2, cli(null, "--api", api, "user", "quota", "carol@example.test"));

            // a wrong token: exit 3, nothing done
            Path other = data.resolve("other");
            Files.createDirectories(other);
            Files.writeString(other.resolve(AdminToken.FILE_NAME), "this-is-not-the-token-0123456789\n");
            Files.writeString(other.resolve(TestAppliance.PID_FILE), ProcessHandle.current().pid() + "\n");
            r = InProcessCli.run(other, null, "--api", api, "domain", "add", "evil.test");
            expect(3, r);
            assertTrue(r.err().contains("missing or wrong admin token"), r.toString());
            assertTrue(app.store().admin().domains().stream().noneMatch(d -> d.name().equals("evil.test")));
        }
    }

    @Test
    void importWhileAPop3SessionHoldsTheMailbox() throws Exception {
        Path mbox = data.resolve("in-use.mbox");
        Files.writeString(mbox, "From a@b Mon Jan  1 10:00:00 2024\nSubject: one\nX-UIDL: u1\n\none\n\n"
                + "From a@b Mon Jan  1 10:00:00 2024\nSubject: two\nX-UIDL: u2\n\ntwo\n");
        try (TestAppliance app = TestAppliance.start(data, false)) {
            String api = app.api().toString();
            expect(0, cli(null, "--api", api, "domain", "add", "example.test"));
            expect(0, cli("Correct-Horse-9\n", "--api", api, "user", "add", "alice@example.test", "--password-stdin"));
            MailAddress alice = MailAddress.parse("alice@example.test");
            app.store().spool().deliver(alice, "u1", new ByteArrayInputStream("Subject: one\r\n\r\none\r\n"
                    .getBytes(StandardCharsets.UTF_8)));
            try (Maildrop held = app.store().maildrops().open(alice)) {
                CliProcess.Result r = cli(null, "--api", api, "import", "mbox", mbox.toString(), "--user",
                        alice.toString(), "--json");
                expect(0, r);
                assertTrue(r.err().contains("in use by a POP3 session"), r.toString());
                JsonNode n = json.readTree(r.out());
                assertEquals(1, n.path("imported").asInt(), r.out());
                assertEquals(1, n.path("skipped").asInt(), r.out());
            }
            try (Maildrop drop = app.store().maildrops().open(alice)) {
                assertEquals(List.of("u1", "u2"), drop.listing().stream().map(MaildropEntry::uidl).toList());
            }
        }
    }

    @Test
    void applianceRunningButItsApiDoesNotAnswer() throws Exception {
        Files.writeString(data.resolve(TestAppliance.PID_FILE), ProcessHandle.current().pid() + "\n");
        AdminToken.ensure(data);
        CliProcess.Result r = cli(null, "--api", "http://127.0.0.1:9", "domain", "list");
        expect(3, r);
        assertTrue(r.err().contains("does not answer"), r.toString());
    }

    @Test
    void importsMboxAndIsSafeToRunAgain() throws Exception {
        Path mbox = data.resolve("old.mbox");
        Files.writeString(mbox, """
                From alice@example.test Mon Jan  1 10:00:00 2024
                From: friend@remote.test
                Subject: one
                X-UIDL: 1a2b3c

                From what I remember, you wrote
                >From here on
                
                From friend@remote.test Tue Jan  2 11:30:00 2024
                From: friend@remote.test
                Subject: two

                Second
                """);
        expect(0, cli(null, "domain", "add", "example.test"));
        expect(0, cli("Correct-Horse-9\n", "user", "add", "alice@example.test", "--password-stdin"));
        CliProcess.Result r = cli(null, "import", "mbox", mbox.toString(), "--user", "alice@example.test");
        expect(0, r);
        assertTrue(r.out().contains("imported 2 messages into alice@example.test"), r.toString());
        assertTrue(r.err().contains("warning: line 6: unquoted 'From ' line"), r.toString());
        assertTrue(r.err().contains("import: 2/2 messages"), "plain progress lines when not on a terminal\n" + r);
        r = cli(null, "import", "mbox", mbox.toString(), "--user", "alice@example.test", "--json");
        expect(0, r);
        JsonNode n = json.readTree(r.out());
        assertEquals(0, n.path("imported").asInt(), r.out());
        assertEquals(2, n.path("skipped").asInt(), r.out());
        r = cli(null, "import", "mbox", data.resolve("missing.mbox").toString(), "--user", "alice@example.test");
        expect(1, r);
        Files.writeString(data.resolve("bad.mbox"), "Subject: no separator\n\nbody\n");
        r = cli(null, "import", "mbox", data.resolve("bad.mbox").toString(), "--user", "alice@example.test");
        expect(1, r);
        assertTrue(r.err().contains("line 1: not an mbox file"), r.toString());
        r = cli(null, "import", "mbox", mbox.toString(), "--user", "nobody@example.test");
        expect(2, r);

        try (TestAppliance app = TestAppliance.start(data, false);
             Maildrop drop = app.store().maildrops().open(MailAddress.parse("alice@example.test"))) {
            List<MaildropEntry> l = drop.listing();
            assertEquals(2, l.size());
            assertEquals("1a2b3c", l.get(0).uidl());
            String body = new String(drop.open(l.get(0)).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(body.contains("\r\nFrom what I remember, you wrote\r\nFrom here on\r\n"), body);
        }
    }

    @Test
    void theFirstWebAdminAndTheDnsRecordsOfADomain() throws Exception {
        CliProcess.Result r = cli("Correct-Horse-9\n", "web-user", "add", "Admin", "--password-stdin");
        expect(0, r);
        assertTrue(r.out().contains("added web admin admin"), r.toString());
        r = cli("admin123\n", "web-user", "add", "helper", "--password-stdin");
        expect(1, r);
        assertTrue(r.err().contains("weak password"), "the CLI's password rules: " + r);
        r = cli("Another-Pass-1\n", "web-user", "add", "admin", "--password-stdin");
        expect(2, r);
        r = cli("Another-Pass-1\n", "web-user", "add", "no spaces", "--password-stdin");
        expect(1, r);
        r = cli(null, "web-user", "list");
        expect(0, r);
        assertTrue(r.out().startsWith("NAME") && r.out().contains("admin"), r.out());

        expect(0, cli(null, "domain", "add", "example.test"));
        r = cli(null, "domain", "dns", "example.test");
        expect(0, r);
        assertTrue(r.out().contains("example.test. IN MX 10 mail.example.test."), r.out());
        assertTrue(r.out().contains("autoconfig.example.test. IN CNAME mail.example.test."), r.out());
        assertTrue(r.out().contains("autodiscover.example.test. IN CNAME mail.example.test."), r.out());
        assertTrue(r.out().contains("_autodiscover._tcp.example.test. IN SRV 0 0 443 mail.example.test."), r.out());
        assertTrue(r.out().contains("_pop3s._tcp.example.test. IN SRV 0 1 995 mail.example.test."), r.out());
        assertFalse(r.out().contains("_submission"), "no submission announced until it is built");
        expect(2, cli(null, "domain", "dns", "other.test"));

        try (TestAppliance app = TestAppliance.start(data, false)) {
            assertTrue(app.store().webUsers().authenticate("admin", "Correct-Horse-9".toCharArray()));
        }
    }
}
