package org.postkontor.deploy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * The real appliance in this JVM (composition root, store on H2 files, SMTP, POP3, TLS, HTTP) on
 * 127.0.0.1 port 0s, driven by real clients: Python smtplib over STARTTLS, curl over pop3s://,
 * Python poplib over STLS; then /metrics, /health/ready and the admin API are checked.
 */
class ApplianceEndToEndTest {

    @TempDir
    Path dir;

    private Appliance appliance;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

    @BeforeEach
    void start() throws Exception {
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), TestEnv.forDataDir(dir.resolve("data")));
        appliance = Appliance.start(config, Clock.systemUTC(), new PlainTestHasher());
        appliance.store().admin().addDomain("example.test");
        appliance.store().admin().addUser(MailAddress.parse("alice@example.test"), "s3cret pw".toCharArray(),
                Quota.NONE);
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    private int port(String name) {
        return appliance.address(name).orElseThrow().getPort();
    }

    private static String run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "client did not finish: " + cmd);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + text);
        return text;
    }

    private static final String PY_SEND = """
            import smtplib, ssl, sys
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
            s.ehlo("client.example.org")
            s.starttls(context=ctx)
            s.ehlo("client.example.org")
            print("tls", s.sock.version())
            for n in (1, 2):
                # the second is larger than smtp.memory-buffer: it waits in smtp.temp-dir on its way in
                extra = ("x" * 998 + "\\r\\n") * (400 if n == 2 else 0)
                msg = "From: bob@example.org\\r\\nTo: alice@example.test\\r\\nSubject: hello %d\\r\\n\\r\\nbody %d\\r\\n%s" % (n, n, extra)
                print(s.sendmail("bob@example.org", ["alice@example.test"], msg))
            s.quit()
            """;

    private static final String PY_FETCH_STLS = """
            import poplib, ssl, sys
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=60)
            p.stls(context=ctx)
            p.user("alice@example.test"); p.pass_("s3cret pw")
            count, size = p.stat()
            print("stat", count, size)
            for i in range(1, count + 1):
                lines = p.retr(i)[1]
                print("\\n".join(l.decode() for l in lines))
                p.dele(i)
            p.quit()
            """;

    @Test
    void mailGoesInOverStartTlsAndOutOverPop3sAndStls() throws Exception {
        String sent = run(List.of("python3", "-c", PY_SEND, String.valueOf(port("smtp"))), null);
        assertTrue(sent.contains("tls TLSv1.3"), sent);
        assertEquals(2, sent.lines().filter(l -> l.equals("{}")).count(), "both messages accepted:\n" + sent);

        String curl = run(List.of("curl", "-sS", "-k", "--max-time", "60", "--user", "alice@example.test:s3cret pw",
                "pop3s://127.0.0.1:" + port("pop3s") + "/1"), null);
        assertTrue(curl.contains("Subject: hello 1") && curl.contains("body 1"), curl);

        String fetched = run(List.of("python3", "-c", PY_FETCH_STLS, String.valueOf(port("pop3"))), null);
        assertTrue(fetched.contains("stat 2"), fetched);
        assertTrue(fetched.contains("Subject: hello 2") && fetched.contains("Delivered-To: alice@example.test"), fetched);

        String again = run(List.of("python3", "-c", PY_FETCH_STLS, String.valueOf(port("pop3"))), null);
        assertTrue(again.contains("stat 0"), "QUIT expunged both: " + again);

        HttpResponse<String> ready = get("http", "/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("ready\n", ready.body());
        assertEquals(200, get("http", "/health/live").statusCode());

        String metrics = get("http", "/metrics").body();
        assertEquals(2.0, value(metrics, "postkontor_smtp_transactions_total{result=\"accepted\"}"), metrics);
        assertTrue(value(metrics, "postkontor_smtp_accept_duration_seconds_count") >= 2);
        assertTrue(value(metrics, "postkontor_tls_handshakes_total{protocol=\"TLSv1.3\",service=\"smtp\"}") >= 1);
        assertTrue(value(metrics, "postkontor_tls_handshakes_total{protocol=\"TLSv1.3\",service=\"pop3\"}") >= 2,
                metrics);
        assertEquals(3.0, value(metrics, "postkontor_pop3_retrieved_messages_total"));
        assertEquals(2.0, value(metrics, "postkontor_pop3_deleted_messages_total"));
        assertTrue(value(metrics, "postkontor_pop3_logins_total{mechanism=\"user\",result=\"success\"}") >= 2);
        assertTrue(value(metrics, "postkontor_store_delivered_messages_total") >= 2);
        assertTrue(value(metrics, "postkontor_store_fsync_duration_seconds_count") >= 1);
        assertTrue(value(metrics, "postkontor_disk_free_bytes{volume=\"spool\"}") > 0);
        assertEquals(1.0, value(metrics, "postkontor_up"));
        assertFalse(metrics.contains("alice"), "no address in any label");

        AdminToken token = AdminToken.read(appliance.config().dataDir());
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("admin")
                + "/api/v1/status")).header("Authorization", "Bearer " + token.value()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(status.body().contains("pop3s"), status.body());
    }

    @Test
    void pidFileWhileRunningAndNotAfter() throws Exception {
        Path pid = appliance.pidFile();
        assertEquals(String.valueOf(ProcessHandle.current().pid()), Files.readString(pid).trim());
        appliance.close();
        assertFalse(Files.exists(pid));
        HttpResponse<String> none;
        try {
            none = get("http", "/health/ready");
            assertEquals(503, none.statusCode());
        } catch (IOException expected) {
            // closed: nothing listens any more
        }
    }

    @Test
    void notReadyWhileStopping() throws Exception {
        appliance.readiness().stopping();
        HttpResponse<String> r = get("http", "/health/ready");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("shutting down"), r.body());
        String metrics = get("http", "/metrics").body();
        assertEquals(0.0, value(metrics, "postkontor_up"));
    }

    private HttpResponse<String> get(String listener, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(listener) + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        List<Double> found = new ArrayList<>();
        while (m.find()) {
            found.add(Double.parseDouble(m.group(1)));
        }
        assertEquals(1, found.size(), "one sample of " + series);
        return found.get(0);
    }
}
