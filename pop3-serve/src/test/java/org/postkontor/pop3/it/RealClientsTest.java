package org.postkontor.pop3.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.ClientTools;

/**
 * Real third-party POP3 clients against a real listener and the real store: each retrieves every
 * message byte-exact and deletes it, over implicit TLS and over plain + STLS (getmail6 has no STLS,
 * so only implicit TLS). Plaintext login is refused without TLS here, so a client that did not
 * really use TLS cannot log in. Clients verify the test certificate through its PEM file.
 *
 * <p>A test is skipped only when its client binary is missing ({@code .ci/install-packages}
 * installs them). Every child process runs with a bounded timeout and is killed, with its
 * descendants, when it overruns.
 */
class RealClientsTest {

    private static final String USER = "alice@example.test";
    private static final String PASSWORD = "secret";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private Pop3Fixture fx;
    private MailAddress alice;
    private Path cert;
    private Path out;
    private final List<String> delivered = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fx = Pop3Fixture.create();
        Pop3Config config = Pop3Fixture.testConfig().allowPlaintextAuthOnLoopback(false).build();
        fx.start(config);
        alice = fx.addUser(USER, PASSWORD);
        cert = fx.pemDir(tmp.resolve("pem"));
        out = Files.createDirectories(tmp.resolve("out"));
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    // ---- messages ------------------------------------------------------------------------------

    /** Three messages: dot lines, 8-bit UTF-8, and a large one (streamed in many chunks). */
    private void deliverThree() throws Exception {
        deliver("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: dots\r\n"
                + "Message-ID: <dots@example.test>\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n. space\r\nend\r\n");
        deliver("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                + "Message-ID: <utf8@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln — 8bit\r\n");
        StringBuilder big = new StringBuilder("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
                + "Subject: big\r\nMessage-ID: <big@example.test>\r\n\r\n");
        for (int i = 0; i < 3000; i++) {
            big.append(i % 100 == 0 ? "." : "").append(String.format("%05d ", i)).append("y".repeat(64)).append("\r\n");
        }
        deliver(big.toString());
    }

    private void deliver(String message) throws Exception {
        fx.deliver(alice, message.getBytes(StandardCharsets.UTF_8));
        delivered.add("Delivered-To: " + USER + "\r\n" + message);
    }

    /** The octets each message should arrive with (CRLF, or LF for clients that store Unix lines). */
    private List<String> expected(boolean unixLines, List<String> messages) {
        return messages.stream()
                .map(m -> unixLines ? m.replace("\r\n", "\n") : m)
                .map(m -> new String(m.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))
                .sorted().toList();
    }

    private List<String> received() throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            List<String> got = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                got.add(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
            return got.stream().sorted().toList();
        }
    }

    private void assertRetrievedAllAndDeleted(boolean unixLines) throws Exception {
        assertRetrievedAllAndDeleted(unixLines, "");
    }

    /** {@code added}: a header the client itself puts in front of each message (getmail's Return-Path). */
    private void assertRetrievedAllAndDeleted(boolean unixLines, String added) throws Exception {
        List<String> got = received().stream()
                .map(m -> !added.isEmpty() && m.startsWith(added) ? m.substring(added.length()) : m).sorted().toList();
        assertSameMessages(expected(unixLines, delivered), got, "messages as the client stored them");
        assertEquals(0, fx.messages(alice), "messages left on the server");
    }

    /** Compares octet for octet; on a difference says where, briefly (messages can be large). */
    private static void assertSameMessages(List<String> want, List<String> got, String what) {
        if (want.equals(got)) {
            return;
        }
        StringBuilder b = new StringBuilder(what + ": expected " + want.size() + " messages, got " + got.size());
        for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
            String w = want.get(i);
            String g = got.get(i);
            if (!w.equals(g)) {
                int at = 0;
                while (at < Math.min(w.length(), g.length()) && w.charAt(at) == g.charAt(at)) {
                    at++;
                }
                b.append("\n message ").append(i).append(" (").append(w.length()).append(" vs ").append(g.length())
                        .append(" octets) differs at ").append(at).append(": expected [")
                        .append(snippet(w, at)).append("] got [").append(snippet(g, at)).append(']');
            }
        }
        fail(b.toString());
    }

    private static String snippet(String s, int at) {
        int from = Math.max(0, at - 30);
        return s.substring(from, Math.min(s.length(), at + 50)).replace("\r", "\\r").replace("\n", "\\n");
    }

    private void clearOut() throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }

    // ---- curl ----------------------------------------------------------------------------------

    @Test
    void curlImplicitTls() throws Exception {
        curl("pop3s://127.0.0.1:" + fx.server().tlsPort());
    }

    @Test
    void curlStls() throws Exception {
        curl("pop3://127.0.0.1:" + fx.server().plainPort());
    }

    private void curl(String base) throws Exception {
        requireBinary("curl");
        deliverThree();
        for (int i = 1; i <= delivered.size(); i++) {
            run("curl", "-sS", "--max-time", "60", "--ssl-reqd", "--tlsv1.2", "--cacert", cert.toString(),
                    "--user", USER + ":" + PASSWORD, "-o", out.resolve("m" + i).toString(), base + "/" + i);
        }
        for (int i = 1; i <= delivered.size(); i++) {
            run("curl", "-sS", "--max-time", "60", "--ssl-reqd", "--tlsv1.2", "--cacert", cert.toString(),
                    "--user", USER + ":" + PASSWORD, "-X", "DELE", "-I", base + "/1"); // each session numbers from 1 again
        }
        assertRetrievedAllAndDeleted(false);
    }

    // ---- Python poplib -------------------------------------------------------------------------

    private static final String POPLIB = """
            import os, poplib, ssl, sys
            mode, port, cafile, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
            ctx = ssl.create_default_context(cafile=cafile)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            if mode == 'tls':
                p = poplib.POP3_SSL('127.0.0.1', port, context=ctx, timeout=60)
            else:
                p = poplib.POP3('127.0.0.1', port, timeout=60)
                p.stls(ctx)
            p.user('alice@example.test')
            p.pass_('secret')
            count, size = p.stat()
            listed = {int(l.split()[0]): int(l.split()[1]) for l in p.list()[1]}
            for n in range(1, count + 1):
                resp, lines, octets = p.retr(n)
                data = b''.join(l + b'\\r\\n' for l in lines)
                if len(data) != listed[n]:
                    sys.exit('message %d: LIST said %d octets, RETR gave %d' % (n, listed[n], len(data)))
                with open(os.path.join(out, 'm%d' % n), 'wb') as f:
                    f.write(data)
                p.dele(n)
            p.quit()
            """;

    @Test
    void poplibImplicitTls() throws Exception {
        poplib("tls", fx.server().tlsPort());
    }

    @Test
    void poplibStls() throws Exception {
        poplib("stls", fx.server().plainPort());
    }

    private void poplib(String mode, int port) throws Exception {
        requireBinary("python3");
        deliverThree();
        Path script = tmp.resolve("fetch.py");
        Files.writeString(script, POPLIB);
        run("python3", script.toString(), mode, Integer.toString(port), cert.toString(), out.toString());
        assertRetrievedAllAndDeleted(false);
    }

    // ---- fetchmail -----------------------------------------------------------------------------

    @Test
    void fetchmailImplicitTls() throws Exception {
        fetchmail(fx.server().tlsPort(), true);
    }

    @Test
    void fetchmailStls() throws Exception {
        fetchmail(fx.server().plainPort(), false);
    }

    private void fetchmail(int port, boolean implicitTls) throws Exception {
        requireBinary("fetchmail");
        deliverThree();
        Path home = Files.createDirectories(tmp.resolve("fetchmail"));
        Path rc = secretFile(home.resolve("fetchmailrc"), """
                set no bouncemail
                set invisible
                poll 127.0.0.1 with proto POP3 service %d auth password
                  user "%s" there with password "%s" is "%s" here
                  options %s sslcertck sslcertfile "%s" sslproto "TLS1.2+" sslcommonname "localhost" no rewrite fetchall
                  mda "cat > %s/m.$$"
                """.formatted(port, USER, PASSWORD, System.getProperty("user.name"), implicitTls ? "ssl" : "",
                cert, out));
        runEnv(Map.of("FETCHMAILHOME", home.toString(), "HOME", home.toString()),
                "fetchmail", "-f", rc.toString(), "--nosyslog", "-N", "-v");
        assertRetrievedAllAndDeleted(true);
    }

    // ---- mpop ----------------------------------------------------------------------------------

    @Test
    void mpopImplicitTlsWithScramSha256() throws Exception {
        requireBinary("mpop");
        deliverThree();
        mpop(fx.server().tlsPort(), false, "scram-sha-256", false);
        assertRetrievedAllAndDeleted(true);
    }

    @Test
    void mpopStls() throws Exception {
        requireBinary("mpop");
        deliverThree();
        mpop(fx.server().plainPort(), true, "on", false);
        assertRetrievedAllAndDeleted(true);
    }

    /**
     * Leave-on-server: mpop keeps mail and remembers UIDLs; nothing is downloaded twice across
     * sessions and across a server and store restart on the same data directory.
     */
    @Test
    void mpopLeaveOnServerDownloadsNothingTwice() throws Exception {
        requireBinary("mpop");
        List<String> all = new ArrayList<>();
        deliver("Subject: one\r\nMessage-ID: <one@example.test>\r\n\r\nfirst\r\n");
        deliver("Subject: two\r\nMessage-ID: <two@example.test>\r\n\r\nsecond\r\n");
        mpop(fx.server().plainPort(), true, "on", true);
        assertSameMessages(expected(true, delivered), received(), "first session gets both");
        all.addAll(delivered);
        clearOut();

        delivered.clear();
        mpop(fx.server().plainPort(), true, "on", true);
        assertEquals(List.of(), received(), "second session downloads nothing again");

        deliver("Subject: three\r\nMessage-ID: <three@example.test>\r\n\r\nthird\r\n");
        mpop(fx.server().plainPort(), true, "on", true);
        assertSameMessages(expected(true, delivered), received(), "third session gets only the new message");
        all.addAll(delivered);
        clearOut();

        fx.restart();
        delivered.clear();
        mpop(fx.server().plainPort(), true, "on", true);
        assertEquals(List.of(), received(), "after a restart nothing is downloaded again");
        deliver("Subject: four\r\nMessage-ID: <four@example.test>\r\n\r\nfourth\r\n");
        mpop(fx.server().plainPort(), true, "on", true);
        assertSameMessages(expected(true, delivered), received(), "after a restart only the new message");
        all.addAll(delivered);
        assertEquals(4, all.size());
        assertEquals(4, fx.messages(alice), "keep: all messages stay on the server");
    }

    private void mpop(int port, boolean starttls, String auth, boolean keep) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("mpop"));
        Path conf = secretFile(home.resolve("mpoprc"), """
                defaults
                account alice
                host 127.0.0.1
                port %d
                user %s
                password %s
                auth %s
                tls on
                tls_starttls %s
                tls_trust_file %s
                received_header off
                uidls_file %s/uidls
                keep %s
                timeout 60
                delivery mda "cat > %s/m.$$"
                """.formatted(port, USER, PASSWORD, auth, starttls ? "on" : "off", cert, home, keep ? "on" : "off",
                out));
        runEnv(Map.of("HOME", home.toString()), "mpop", "-C", conf.toString(), "alice");
    }

    // ---- getmail6 ------------------------------------------------------------------------------

    /** getmail6 has no STLS support (its POP3 retrievers are plain or implicit SSL only). */
    @Test
    void getmailImplicitTls() throws Exception {
        requireBinary("getmail");
        deliverThree();
        Path dir = Files.createDirectories(tmp.resolve("getmail"));
        Path rc = secretFile(dir.resolve("getmailrc"), """
                [retriever]
                type = SimplePOP3SSLRetriever
                server = 127.0.0.1
                port = %d
                username = %s
                password = %s
                ca_certs = %s
                timeout = 60

                [destination]
                type = MDA_external
                path = /bin/sh
                arguments = ("-c", "cat > %s/m.$$")
                allow_root_commands = true

                [options]
                verbose = 1
                read_all = true
                delete = true
                delivered_to = false
                received = false
                """.formatted(fx.server().tlsPort(), USER, PASSWORD, cert, out));
        runEnv(Map.of("HOME", dir.toString()), "getmail", "--getmaildir", dir.toString(), "--rcfile", rc.toString());
        assertRetrievedAllAndDeleted(true, "Return-Path: <unknown>\n");
    }

    // ---- process handling ----------------------------------------------------------------------

    private static void requireBinary(String name) {
        ClientTools.require(name);
    }

    private Path secretFile(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private String run(String... cmd) throws Exception {
        return runEnv(Map.of(), cmd);
    }

    /** Runs a client to its end within {@link #CLIENT_TIMEOUT}; fails with its output unless it exits 0. */
    private String runEnv(Map<String, String> env, String... cmd) throws Exception {
        Path log = Files.createTempFile(tmp, "client-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                fail(cmd[0] + " did not finish within " + CLIENT_TIMEOUT + ":\n" + Files.readString(log));
            }
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        String output = Files.readString(log, StandardCharsets.ISO_8859_1);
        assertTrue(p.exitValue() == 0, cmd[0] + " exited " + p.exitValue() + ":\n" + output);
        return output;
    }
}
