package org.postkontor.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per configuration mistake: each stops the start with a message naming the key and what is allowed. */
class ConfigMistakesTest {

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("postkontor.properties");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private List<String> problems(String fileText, Map<String, String> env) throws IOException {
        Optional<Path> f = fileText == null ? Optional.empty() : Optional.of(file(fileText));
        ConfigException e = assertThrows(ConfigException.class, () -> ApplianceConfig.load(f, env));
        return e.problems();
    }

    private static void assertOne(List<String> problems, String... fragments) {
        assertEquals(1, problems.size(), () -> "expected one problem: " + problems);
        for (String f : fragments) {
            assertTrue(problems.get(0).contains(f), () -> "\"" + problems.get(0) + "\" should contain \"" + f + "\"");
        }
    }

    @Test
    void unknownKeyInFileIsNamedWithASuggestion() throws IOException {
        assertOne(problems("smtp.prot=25\n", Map.of()), "smtp.prot", "unknown key", "did you mean smtp.port?");
    }

    @Test
    void unknownEnvironmentVariableOfAKnownSectionIsNamed() throws IOException {
        assertOne(problems(null, Map.of("POSTKONTOR_SMTP_PROT", "25")), "POSTKONTOR_SMTP_PROT", "unknown variable",
                "POSTKONTOR_SMTP_PORT");
    }

    @Test
    void unrelatedEnvironmentIsIgnored() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.empty(),
                Map.of("PATH", "/bin", "POSTKONTOR_JAVA_OPTS", "-Xmx1g", "POSTKONTOR_ADMIN_TOKEN", "x"));
        assertEquals(10025, c.smtp().port());
    }

    @Test
    void portThatIsNotANumber() throws IOException {
        assertOne(problems("pop3.port=abc\n", Map.of()), "pop3.port", "\"abc\"", "a TCP port from 0 to 65535");
    }

    @Test
    void portOutOfRange() throws IOException {
        assertOne(problems("smtp.port=70000\n", Map.of()), "smtp.port", "70000", "from 0 to 65535");
    }

    @Test
    void negativePort() throws IOException {
        assertOne(problems("http.port=-1\n", Map.of()), "http.port", "from 0 to 65535");
    }

    @Test
    void badEnvironmentValueNamesKeyAndVariable() throws IOException {
        assertOne(problems(null, Map.of("POSTKONTOR_SMTP_PORT", "twenty-five")), "smtp.port",
                "from POSTKONTOR_SMTP_PORT", "a TCP port");
    }

    @Test
    void environmentWinsOverFile() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.of(file("smtp.port=2525\n")),
                Map.of("POSTKONTOR_SMTP_PORT", "2526"));
        assertEquals(2526, c.smtp().port());
    }

    @Test
    void notABoolean() throws IOException {
        assertOne(problems("pop3.enabled=maybe\n", Map.of()), "pop3.enabled", "true or false");
    }

    @Test
    void sizeWithoutKnownUnit() throws IOException {
        assertOne(problems("store.free-disk-reserve=12 parsecs\n", Map.of()), "store.free-disk-reserve",
                "a size", "KiB, MiB, GiB");
    }

    @Test
    void durationWithoutUnit() throws IOException {
        assertOne(problems("tls.reload-interval=30\n", Map.of()), "tls.reload-interval", "with a unit");
    }

    @Test
    void durationOutOfRange() throws IOException {
        assertOne(problems("shutdown.grace-period=1h\n", Map.of()), "shutdown.grace-period", "from 0 to 10m");
    }

    @Test
    void wordNotInTheList() throws IOException {
        assertOne(problems("log.format=xml\n", Map.of()), "log.format", "one of kv, json");
    }

    @Test
    void tlsProfileNotInTheList() throws IOException {
        assertOne(problems("tls.profile=legacy\n", Map.of()), "tls.profile", "one of modern, compatible");
    }

    @Test
    void bindAddressThatIsNotAnIp() throws IOException {
        assertOne(problems("smtp.bind=mail.example.test\n", Map.of()), "smtp.bind", "an IP address");
    }

    @Test
    void hostnameWithSpaces() throws IOException {
        assertOne(problems("server.hostname=my mail server\n", Map.of()), "server.hostname", "a DNS host name");
    }

    @Test
    void emptyDataDir() throws IOException {
        assertOne(problems("data.dir=\n", Map.of()), "data.dir", "a non-empty path");
    }

    @Test
    void certWithoutKey() throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertOne(problems("tls.cert=" + cert + "\n", Map.of()), "tls.key", "tls.cert", "set both");
    }

    @Test
    void certFileMissing() throws IOException {
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        assertOne(problems("tls.cert=" + dir.resolve("nope.pem") + "\ntls.key=" + key + "\n", Map.of()), "tls.cert",
                "nope.pem", "readable PEM file");
    }

    @Test
    void twoListenersOnOnePort() throws IOException {
        assertOne(problems("pop3.tls-port=10110\n", Map.of()), "pop3.tls-port", "pop3.port", "must differ");
    }

    @Test
    void samePortOnDifferentAddressesIsFine() throws Exception {
        Path f = file("http.bind=127.0.0.1\nadmin.bind=127.0.0.2\nadmin.port=8080\n");
        assertEquals(8080, ApplianceConfig.load(Optional.of(f), Map.of()).admin().port());
    }

    @Test
    void keySetTwice() throws IOException {
        assertOne(problems("smtp.port=25\nsmtp.port=2525\n", Map.of()), "smtp.port", "set twice");
    }

    @Test
    void fileThatIsNotUtf8() throws IOException {
        Path f = dir.resolve("latin1.properties");
        Files.write(f, new byte[] {'s', 'e', 'r', 'v', 'e', 'r', '.', 'h', 'o', 's', 't', 'n', 'a', 'm', 'e', '=',
            (byte) 0xe9, '\n'});
        ConfigException e = assertThrows(ConfigException.class, () -> ApplianceConfig.load(Optional.of(f), Map.of()));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void missingFileGivenExplicitly() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ApplianceConfig.load(Optional.of(dir.resolve("absent.properties")), Map.of()));
        assertTrue(e.getMessage().contains("absent.properties") && e.getMessage().contains("does not exist"));
    }

    @Test
    void everyMistakeIsReportedAtOnce() throws IOException {
        List<String> p = problems("smtp.port=x\npop3.port=y\nlog.level=LOUD\n", Map.of());
        assertEquals(3, p.size(), p.toString());
    }

    @Test
    void valuesAreTrimmedAndUnitsRead() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.of(file(
                "store.free-disk-reserve = 1GiB   \nshutdown.grace-period=90s\ntls.reload-interval=0\n")), Map.of());
        assertEquals(1L << 30, c.store().freeDiskReserveBytes());
        assertEquals(java.time.Duration.ofSeconds(90), c.shutdownGrace());
        assertEquals(java.time.Duration.ZERO, c.tls().reloadInterval());
    }

    @Test
    void badmailCapSmallerThanTwoMessages() throws IOException {
        assertOne(problems("smtp.max-message-size=100MiB\nbadmail.max-total-bytes=150MiB\n", Map.of()),
                "badmail.max-total-bytes", "twice smtp.max-message-size");
    }

    @Test
    void saslLineShorterThanCommandLine() throws IOException {
        assertOne(problems("pop3.max-command-line=1000\npop3.max-sasl-line=500\n", Map.of()), "pop3.max-sasl-line",
                "at least pop3.max-command-line");
    }

    @Test
    void perAddressLimitAboveTotal() throws IOException {
        assertOne(problems("pop3.max-connections=10\npop3.max-connections-per-address=20\n", Map.of()),
                "pop3.max-connections-per-address", "must not exceed pop3.max-connections");
    }

    @Test
    void plusSeparatorThatIsALetter() throws IOException {
        assertOne(problems("smtp.plus-separator=x\n", Map.of()), "smtp.plus-separator", "one of");
    }

    @Test
    void messageSizeTooLarge() throws IOException {
        assertOne(problems("smtp.max-message-size=4GiB\n", Map.of()), "smtp.max-message-size", "a size from 1 to");
    }

    @Test
    void expireDaysOutOfRange() throws IOException {
        assertOne(problems("pop3.expire-days=-5\n", Map.of()), "pop3.expire-days", "from -1 to 36500");
    }

    @Test
    void moduleConfigsAreBuiltFromTheKeys() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.of(file("smtp.max-message-size=10MiB\npop3.tls-enabled=false\n"
                + "badmail.max-age=7d\nserver.hostname=mail.example.test\n")), Map.of("POSTKONTOR_SMTP_PORT", "2525"));
        assertEquals(10L << 20, c.smtpConfig().maxMessageSize());
        assertEquals(2525, c.smtpConfig().port());
        assertEquals("mail.example.test", c.smtpConfig().hostname());
        assertEquals(-1, c.pop3Config().tlsPort());
        assertEquals(10110, c.pop3Config().plainPort());
        assertEquals(java.time.Duration.ofDays(7), c.badmailConfig().maxAge());
        assertEquals("mail.example.test", c.badmailConfig().hostName());
    }

    @Test
    void pop3sVariablesPointToTheTlsPortKey() throws IOException {
        assertOne(problems(null, Map.of("POSTKONTOR_POP3S_BIND", "127.0.0.1")), "POSTKONTOR_POP3S_BIND",
                "pop3.tls-port", "pop3.bind");
    }
}
