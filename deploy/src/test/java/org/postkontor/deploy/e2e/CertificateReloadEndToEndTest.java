package org.postkontor.deploy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TestCertificates;

/**
 * The running appliance with certificate files as Let's Encrypt leaves them: after the files are
 * replaced, the next SMTP STARTTLS and the next POP3S connection present the new certificate
 * (seen by {@code openssl s_client}), without a restart.
 */
class CertificateReloadEndToEndTest {

    @TempDir
    Path dir;

    private static String subject(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("(?m)^subject=(.*)$").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1).replace(" ", "");
    }

    @Test
    void renewedFilesArePresentedByTheNextConnections() throws Exception {
        Path tls = dir.resolve("letsencrypt");
        Path[] files = TestCertificates.selfSigned("first.example.test").writePem(tls);
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        env.put("POSTKONTOR_TLS_CERT", files[0].toString());
        env.put("POSTKONTOR_TLS_KEY", files[1].toString());
        env.put("POSTKONTOR_TLS_RELOAD_INTERVAL", "200ms");
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
        try (Appliance a = Appliance.start(config, Clock.systemUTC(), new PlainTestHasher())) {
            String smtp = "127.0.0.1:" + a.address("smtp").orElseThrow().getPort();
            String pop3s = "127.0.0.1:" + a.address("pop3s").orElseThrow().getPort();
            List<String> smtpCmd = List.of("openssl", "s_client", "-connect", smtp, "-starttls", "smtp");
            List<String> pop3sCmd = List.of("openssl", "s_client", "-connect", pop3s);
            assertEquals("CN=first.example.test", subject(smtpCmd.toArray(String[]::new)));
            assertEquals("CN=first.example.test", subject(pop3sCmd.toArray(String[]::new)));

            TestCertificates.selfSigned("second.example.test").writePem(tls);

            String seen = "";
            for (int i = 0; i < 100 && !seen.equals("CN=second.example.test"); i++) {
                Thread.sleep(200);
                seen = subject(smtpCmd.toArray(String[]::new));
            }
            assertEquals("CN=second.example.test", seen, "SMTP STARTTLS presents the renewed certificate");
            assertEquals("CN=second.example.test", subject(pop3sCmd.toArray(String[]::new)), "so does POP3S");
        }
    }
}
