package org.postkontor.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.admin.testing.CliProcess;
import org.postkontor.admin.testing.InProcessCli;
import org.postkontor.admin.testing.TestAppliance;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.testing.ClientTools;

/**
 * Moving from Dovecot, with Dovecot's own tools: a passwd-file hashed by {@code doveadm pw} (one
 * user per scheme) whose users log in over POP3 with their old passwords and are rehashed; a
 * Maildir that Dovecot's POP3 server served to fetchmail (leaving mail on the server), imported
 * with its UIDLs so that fetchmail downloads nothing again. Without Debian's dovecot-pop3d (or with
 * {@code -Dpostkontor.test.without-dovecot-pop3=true}) the Maildir's uidlist and fetchmail's
 * state are written as Dovecot 2.3 writes them, and the rest runs the same.
 */
class DovecotMigrationTest {

    static final Path DOVEADM = Path.of("/usr/bin/doveadm");
    static final Path DOVECOT_POP3 = Path.of("/usr/lib/dovecot/pop3");
    static final Path FETCHMAIL = Path.of("/usr/bin/fetchmail");
    static final Path CURL = Path.of("/usr/bin/curl");

    static final List<String> SCHEMES = List.of("ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT",
            "SSHA512", "SSHA256", "SSHA", "PLAIN", "CRYPT");

    @TempDir
    Path tmp;

    final ObjectMapper json = new ObjectMapper();

    record Out(int exit, String text) {}

    static Out exec(Path dir, Map<String, String> env, String stdin, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        return new Out(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String doveadmPw(String scheme, String password) throws Exception {
        Out o = exec(null, Map.of(), null, DOVEADM.toString(), "pw", "-s", scheme, "-p", password);
        assertEquals(0, o.exit(), o.text());
        List<String> lines = o.text().strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    static String password(String scheme) {
        return "Old-" + scheme.toLowerCase() + "-pass!";
    }

    static String user(String scheme) {
        return "u-" + scheme.toLowerCase() + "@example.test";
    }

    @Test
    void passwdFileUsersLogInOverPop3WithOldPasswordsAndAreRehashed() throws Exception {
        ClientTools.require(Files.isExecutable(DOVEADM), DOVEADM + " (Debian's dovecot-core) is not installed");
        ClientTools.require(Files.isExecutable(CURL), CURL + " is not installed");
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Map<String, String> users = new LinkedHashMap<>();
        StringBuilder file = new StringBuilder("# moved from the old Dovecot box\n");
        for (String s : SCHEMES) {
            users.put(user(s), password(s));
            file.append(user(s)).append(':').append(doveadmPw(s, password(s))).append(":1000:1000::/home/vmail::\n");
        }
        // a bare crypt string, as old passwd-files have it (Dovecot's default scheme there is CRYPT)
        String bare = doveadmPw("SHA512-CRYPT", "Bare-crypt-pass!");
        file.append("bare@example.test:").append(bare.substring(bare.indexOf('}') + 1)).append('\n');
        users.put("bare@example.test", "Bare-crypt-pass!");
        Path passwd = tmp.resolve("users.passwd");
        Files.writeString(passwd, file);

        assertEquals(0, InProcessCli.run(data, null, "domain", "add", "example.test").exit());

        // bad input first: malformed lines and a user twice: nothing imported, every line named
        Path bad = tmp.resolve("bad.passwd");
        Files.writeString(bad, file + "no-colon-here\n" + user("PLAIN") + ":{PLAIN}again\n"
                + "eve@example.test:{MD4}0123456789abcdef\nbad address@example.test:{PLAIN}x\n");
        CliProcess.Result r = CliProcess.run(data, null, "import", "passwd-file", bad.toString());
        assertEquals(1, r.exit(), r.toString());
        int first = SCHEMES.size() + 3;
        for (int line = first; line < first + 4; line++) {
            assertTrue(r.err().contains("line " + line + ": "), "line " + line + " named\n" + r);
        }
        assertTrue(r.err().contains("is already on line"), r.toString());
        assertTrue(r.err().contains("nothing was imported"), r.toString());
        assertTrue(!r.err().contains("again"), "never shows a password\n" + r);
        assertEquals(0, userList(data).size(), "nothing half-imported");

        // a user that exists already: the whole file is refused
        assertEquals(0, InProcessCli.run(data, "Some-Other-Pass-1\n", "user", "add", user("PLAIN"),
                "--password-stdin").exit());
        r = CliProcess.run(data, null, "import", "passwd-file", passwd.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(user("PLAIN")), r.toString());
        assertEquals(1, userList(data).size(), "nothing half-imported");
        assertEquals(0, InProcessCli.run(data, null, "user", "remove", user("PLAIN"), "--delete-mail").exit());

        r = CliProcess.run(data, null, "import", "passwd-file", passwd.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("imported " + users.size() + " users"), r.toString());
        JsonNode list = userList(data);
        assertEquals(users.size(), list.size());
        for (JsonNode u : list) {
            assertNotEquals("ARGON2ID-current", u.path("scheme").asText());
        }

        try (TestAppliance app = TestAppliance.start(data, true)) {
            String url = "pop3://127.0.0.1:" + app.pop3Port() + "/";
            for (var e : users.entrySet()) {
                MailAddress a = MailAddress.parse(e.getKey());
                String before = app.store().admin().user(a).orElseThrow().passwordScheme();
                Out o = exec(null, Map.of(), null, CURL.toString(), "-sS", "--max-time", "60", url, "-u",
                        e.getKey() + ":" + e.getValue());
                assertEquals(0, o.exit(), e.getKey() + " (" + before + ") logs in with the old password: " + o.text());
                assertEquals("ARGON2ID", app.store().admin().user(a).orElseThrow().passwordScheme(),
                        e.getKey() + " rehashed from " + before);
                assertTrue(app.store().accounts().authenticate(e.getKey(), e.getValue().toCharArray()).isPresent());
            }
            Out wrong = exec(null, Map.of(), null, CURL.toString(), "-sS", "--max-time", "60", url, "-u",
                    user("SSHA") + ":not-the-password");
            assertNotEquals(0, wrong.exit(), "a wrong password is refused");
        }
    }

    JsonNode userList(Path data) throws IOException {
        CliProcess.Result r = InProcessCli.run(data, null, "user", "list", "--json");
        assertEquals(0, r.exit(), r.toString());
        return json.readTree(r.out());
    }

    @Test
    void dovecotMaildirKeepsUidlsAndFetchmailDownloadsNothingTwice() throws Exception {
        ClientTools.require(Files.isExecutable(FETCHMAIL), FETCHMAIL + " is not installed");
        boolean realDovecot = Files.isExecutable(DOVECOT_POP3) && !Boolean.getBoolean("postkontor.test.without-dovecot-pop3");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = tmp.resolve("home");
        Path maildir = home.resolve("Maildir");
        for (String sub : List.of("cur", "new", "tmp", ".Sent/cur")) {
            Files.createDirectories(maildir.resolve(sub));
        }
        for (int i = 1; i <= 5; i++) {
            String msg = "From: friend" + i + "@remote.test\r\nTo: alice@example.test\r\nSubject: message " + i
                    + "\r\nMessage-ID: <" + i + "@remote.test>\r\n\r\nbody " + i + "\r\n";
            String name = "17000000" + i + "0.M" + i + "P42.oldbox,S=" + msg.length();
            Path where = i <= 3 ? maildir.resolve("cur").resolve(name + ":2,S") : maildir.resolve("new").resolve(name);
            Files.writeString(where, msg);
        }
        String uid = exec(null, Map.of(), null, "id", "-u").text().strip();
        String mailUid = uid.equals("0") ? "65534" : uid;
        if (uid.equals("0")) {
            assertEquals(0, exec(null, Map.of(), null, "chown", "-R", "65534:65534", home.toString()).exit());
        }
        Path wrapper = tmp.resolve("dovecot-pop3.sh");
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "printf '+OK Dovecot (preauth) ready.\\r\\n'\n"
                + "cat | env USER=alice HOME=" + home + " " + DOVECOT_POP3 + " -c /dev/null -o ssl=no"
                + " -o mail_location=maildir:" + maildir + " -o mail_uid=" + mailUid + " -o mail_gid=" + mailUid
                + " -o first_valid_uid=1 -o first_valid_gid=1 -o pop3_uidl_format=%08Xu%08Xv 2>/dev/null | cat\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));

        // Before the move: fetchmail leaves mail on the Dovecot server and remembers the UIDLs it saw.
        Path idfile = tmp.resolve("fetchids");
        Out f;
        List<String> dovecotUidls = new ArrayList<>();
        if (realDovecot) {
            Path rc1 = rcfile("dovecot.rc", "poll 127.0.0.1 with proto POP3 uidl auth ssh plugin \"" + wrapper + "\"\n"
                    + "  user \"alice@example.test\" keep sslproto \"\" mda \"/bin/cat >/dev/null\"\n");
            f = fetchmail(rc1, idfile);
            assertEquals(0, f.exit(), f.text());
            assertTrue(f.text().contains("5 messages for alice@example.test"), f.text());
            assertTrue(Files.isRegularFile(maildir.resolve("dovecot-uidlist")), "Dovecot wrote its uidlist");
            Out u = exec(null, Map.of(), "UIDL\r\nQUIT\r\n", wrapper.toString());
            for (String line : u.text().lines().toList()) {
                if (line.matches("\\d+ \\S+")) {
                    dovecotUidls.add(line.split(" ")[1]);
                }
            }
        } else {
            // No dovecot-pop3d here: write what Dovecot 2.3 writes (checked against it where it is
            // installed): a version-3 uidlist, UIDLs %08Xu%08Xv in lower-case hex, and fetchmail's
            // idfile of a client that saw them all.
            StringBuilder list = new StringBuilder("3 V1700000000 N6 G0123456789abcdef0123456789abcdef\n");
            StringBuilder ids = new StringBuilder();
            List<String> names = new ArrayList<>();
            try (var cur = Files.list(maildir.resolve("cur")); var nw = Files.list(maildir.resolve("new"))) {
                cur.forEach(x -> names.add(x.getFileName().toString()));
                nw.forEach(x -> names.add(x.getFileName().toString()));
            }
            names.sort(null);
            for (int i = 0; i < names.size(); i++) {
                String base = names.get(i).split(":")[0];
                list.append(i + 1).append(" :").append(base).append('\n');
                String uidl = String.format("%08x%08x", i + 1, 1700000000L);
                dovecotUidls.add(uidl);
                ids.append("alice@example.test@127.0.0.1 ").append(uidl).append('\n');
            }
            Files.writeString(maildir.resolve("dovecot-uidlist"), list);
            Files.writeString(idfile, ids);
            Files.setPosixFilePermissions(idfile, PosixFilePermissions.fromString("rw-------"));
        }
        assertEquals(5, dovecotUidls.size(), dovecotUidls.toString());

        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        try (TestAppliance app = TestAppliance.start(data, true)) {
            String api = app.api().toString();
            assertEquals(0, InProcessCli.run(data, null, "--api", api, "domain", "add", "example.test").exit());
            assertEquals(0, InProcessCli.run(data, "Alice-New-Pass-1\n", "--api", api, "user", "add",
                    "alice@example.test", "--password-stdin").exit());

            // a corrupt copy first: clear error naming the file, nothing imported
            Path broken = tmp.resolve("broken");
            copyTree(maildir, broken);
            Path victim;
            try (var s = Files.list(broken.resolve("cur"))) {
                victim = s.sorted().findFirst().orElseThrow();
            }
            byte[] whole = Files.readAllBytes(victim);
            Files.write(victim, java.util.Arrays.copyOf(whole, whole.length - 7));
            CliProcess.Result r = CliProcess.run(data, null, "--api", api, "import", "maildir", broken.toString(),
                    "--user", "alice@example.test");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("cur/" + victim.getFileName() + ": file is " + (whole.length - 7)
                    + " bytes but its name says S=" + whole.length), r.toString());
            assertEquals(0, listing(app).size(), "nothing half-written");

            r = CliProcess.run(data, null, "--api", api, "import", "maildir", maildir.toString(), "--user",
                    "alice@example.test");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("imported 5 messages"), r.toString());
            assertEquals(dovecotUidls, listing(app).stream().map(MaildropEntry::uidl).toList(), "UIDLs kept");

            // After the move: the same fetchmail state downloads nothing from Postkontor.
            Path rc2 = rcfile("postkontor.rc", "poll 127.0.0.1 with proto POP3 service " + app.pop3Port() + " uidl\n"
                    + "  user \"alice@example.test\" password \"Alice-New-Pass-1\" keep sslproto \"\""
                    + " mda \"/bin/cat >/dev/null\"\n");
            f = fetchmail(rc2, idfile);
            assertEquals(1, f.exit(), "fetchmail: no new mail\n" + f.text());
            // ... and a new message is the only one it fetches
            app.store().spool().deliver(List.of(MailAddress.parse("alice@example.test")),
                    new ByteArrayInputStream("Subject: after the move\r\n\r\nnew\r\n".getBytes(StandardCharsets.UTF_8)));
            f = fetchmail(rc2, idfile);
            assertEquals(0, f.exit(), f.text());
            assertTrue(f.text().contains("6 messages (5 seen)"), f.text());
            assertTrue(f.text().contains("reading message alice@example.test@127.0.0.1:6 of 6"), f.text());
            assertTrue(!f.text().contains(":1 of 6"), f.text());

            // safe to run again
            r = CliProcess.run(data, null, "--api", api, "import", "maildir", maildir.toString(), "--user",
                    "alice@example.test", "--json");
            assertEquals(0, r.exit(), r.toString());
            assertEquals(0, json.readTree(r.out()).path("imported").asInt(), r.out());
            assertEquals(5, json.readTree(r.out()).path("skipped").asInt(), r.out());
            assertEquals(6, listing(app).size());
        }
    }

    static List<MaildropEntry> listing(TestAppliance app) throws Exception {
        try (Maildrop d = app.store().maildrops().open(MailAddress.parse("alice@example.test"))) {
            return d.listing();
        }
    }

    Path rcfile(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, "set no syslog\n" + text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    Out fetchmail(Path rc, Path idfile) throws Exception {
        return exec(tmp, Map.of("HOME", tmp.toString()), null, FETCHMAIL.toString(), "-f", rc.toString(), "-i",
                idfile.toString(), "--nodetach");
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
