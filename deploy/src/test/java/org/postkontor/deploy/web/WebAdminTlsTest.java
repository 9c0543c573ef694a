package org.postkontor.deploy.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminHttpApi;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.admin.cli.AdminCommand;
import org.postkontor.admin.cli.ApplianceLocator;
import org.postkontor.admin.web.WebAdmin;
import org.postkontor.admin.web.WebConfig;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.deploy.http.HttpListener;
import org.postkontor.deploy.tls.CertificateSource;
import org.postkontor.deploy.tls.TlsEvents;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.testing.ClientTools;
import org.postkontor.store.testing.TempStore;
import picocli.CommandLine;

/**
 * The admin listener as it is when bound beyond loopback: HTTPS with the appliance's certificate
 * (here on 127.0.0.1, which tests may use), the session cookie {@code __Host-}, {@code Secure},
 * {@code HttpOnly}, {@code SameSite=Strict}, HSTS; and the CLI reaching the API over it, trusting
 * exactly the appliance's certificate and nothing else.
 */
class WebAdminTlsTest {

    @TempDir
    Path dir;

    @Test
    void httpsCookieFlagsAndTheCliPinningTheCertificate() throws Exception {
        ClientTools.require("curl");
        Clock clock = Clock.systemUTC();
        try (TempStore temp = TempStore.create();
             CertificateSource tls = CertificateSource.open(Optional.empty(), Optional.empty(), dir.resolve("tls"),
                     "mail.example.test", "modern", clock, TlsEvents.NOOP);
             HttpListener listener = new HttpListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                     tls.contextFor("https"))) {
            ClientSetup clients = ClientSetup.pop3s("mail.example.test", 995);
            BadmailQueue badmail = BadmailQueue.over(temp.store(), BadmailConfig.DEFAULTS, clock, BadmailMetrics.NOOP);
            AdminApi api = new AdminApi(temp.store(), badmail, AdminApi.ApplianceState.NONE, "running", clients);
            Path data = temp.dataDir();
            listener.mount(AdminApi.PREFIX, new AdminHttpApi(api, AdminToken.ensure(data)));
            listener.mount("/", new WebAdmin(api, temp.store().webUsers(), temp.store().accounts(), clients,
                    WebConfig.DEFAULTS, true, WebAdmin.Alerts.NONE, clock));
            listener.start();
            int port = listener.address().getPort();

            Process curl = new ProcessBuilder("curl", "-sS", "-i", "--max-time", "30", "--cacert",
                    tls.certFile().toString(), "--resolve", "mail.example.test:" + port + ":127.0.0.1",
                    "https://mail.example.test:" + port + "/login").redirectErrorStream(true).start();
            String answer = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, curl.exitValue(), answer);
            String cookie = answer.lines().filter(l -> l.toLowerCase().startsWith("set-cookie:")).findFirst().orElse("");
            assertTrue(cookie.contains("__Host-postkontor=") && cookie.contains("Path=/") && cookie.contains("HttpOnly")
                    && cookie.contains("SameSite=Strict") && cookie.contains("Secure"), answer);
            assertTrue(answer.lines().anyMatch(l -> l.toLowerCase().startsWith("strict-transport-security: max-age=")),
                    answer);

            Files.writeString(data.resolve("postkontor.pid"), ProcessHandle.current().pid() + "\n");
            assertEquals(0, cli(data, port, tls.certFile()).exit, "the CLI trusts the appliance's certificate");
            Path other;
            try (CertificateSource another = CertificateSource.open(Optional.empty(), Optional.empty(),
                    dir.resolve("other"), "mail.example.test", "modern", clock, TlsEvents.NOOP)) {
                other = another.certFile();
            }
            Result wrong = cli(data, port, other);
            assertEquals(3, wrong.exit, "another certificate is refused: " + wrong.err);
        }
    }

    record Result(int exit, String out, String err) {}

    private static Result cli(Path data, int port, Path pinned) {
        ApplianceLocator locator = (config, dataDir) -> new ApplianceLocator.Location(data, data.resolve("postkontor.pid"),
                StoreConfig.under(data), new InetSocketAddress("127.0.0.1", port), BadmailConfig.DEFAULTS,
                ClientSetup.pop3s("mail.example.test", 995), Optional.of(pinned));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new AdminCommand(locator, new ByteArrayInputStream(new byte[0]), () -> {}));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(List.of("status", "--json").toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }
}
