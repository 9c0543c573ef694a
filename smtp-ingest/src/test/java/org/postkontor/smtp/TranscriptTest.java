package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.postkontor.smtp.testing.FakeStore;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.testing.TestCertificates;

/**
 * Runs every file under {@code transcripts/}: one SMTP rule per file, against a real listener on
 * 127.0.0.1:0 with the {@link FakeStore#standard()} fixture. Format (STYLE.md, extended):
 * <pre>
 * # comment          @config key=value   (before the first line; see {@link #configure})
 * C: line            client line, CRLF appended
 * R: bytes           raw client bytes, no CRLF appended; escapes \r \n \0 \t \\ \xHH
 * S: text            the next server line, literally
 * S~: regex          the next server line matches
 * S*: regex          server lines are skipped until one matches (at most 50)
 * T:                 STARTTLS handshake now (trust-all client)
 * X:                 the server closes the connection
 * @stored N          after the dialogue: N messages in the store
 * @badmail N         after the dialogue: N badmail items
 * @contains regex    the last stored message (as UTF-8 text) contains a match
 * @exact text        the last stored message's data after the trace headers is exactly this (escapes)
 * </pre>
 */
class TranscriptTest {

    private static final TestCertificates CERTS = TestCertificates.selfSigned("localhost");

    @TestFactory
    Stream<DynamicTest> transcripts() throws IOException, URISyntaxException {
        Path dir = Path.of(TranscriptTest.class.getResource("/transcripts").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".smtp")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "transcripts found: " + files.size());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> run(f)));
    }

    private static void run(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        SmtpConfig.Builder config = SmtpConfig.builder().hostname("mx.example.test")
                .tarpitDelay(Duration.ZERO).tarpitStep(Duration.ZERO)
                .commandTimeout(Duration.ofSeconds(20)).dataTimeout(Duration.ofSeconds(20));
        boolean tls = false;
        for (String l : lines) {
            if (l.startsWith("@config ")) {
                String[] kv = l.substring(8).trim().split("=", 2);
                if (kv[0].equals("tls")) {
                    tls = Boolean.parseBoolean(kv[1]);
                } else {
                    configure(config, kv[0], kv[1]);
                }
            }
        }
        FakeStore store = FakeStore.standard();
        SmtpServer server = new SmtpServer(config.build(), store, store, store, SmtpMetrics.NOOP,
                Clock.systemUTC(), tls ? CERTS.serverContext() : null);
        server.start();
        try (SmtpTestClient c = new SmtpTestClient(server.port(), 15_000)) {
            int n = 0;
            for (String l : lines) {
                n++;
                String where = file.getFileName() + ":" + n + ": ";
                if (l.isBlank() || l.startsWith("#") || l.startsWith("@")) {
                    continue;
                }
                if (l.startsWith("C: ")) {
                    c.send(l.substring(3));
                } else if (l.startsWith("R: ")) {
                    c.raw(unescape(l.substring(3)));
                } else if (l.startsWith("S: ")) {
                    String got = c.line();
                    assertEquals(l.substring(3), got, where);
                } else if (l.startsWith("S~: ")) {
                    String got = c.line();
                    assertNotNull(got, where + "connection closed, expected " + l);
                    assertTrue(Pattern.matches(l.substring(4), got), where + "got: " + got);
                } else if (l.startsWith("S*: ")) {
                    Pattern p = Pattern.compile(l.substring(4));
                    boolean found = false;
                    for (int i = 0; i < 50 && !found; i++) {
                        String got = c.line();
                        assertNotNull(got, where + "connection closed, expected " + l);
                        found = p.matcher(got).matches();
                    }
                    assertTrue(found, where + "no line matched");
                } else if (l.equals("T:")) {
                    c.startTls(TestCertificates.trustAllClientContext());
                } else if (l.equals("X:")) {
                    assertTrue(c.closedByServer(), where + "server kept the connection open");
                } else {
                    fail(where + "unknown line: " + l);
                }
            }
        } finally {
            server.stop(Duration.ofSeconds(2));
        }
        for (String l : lines) {
            if (l.startsWith("@stored ")) {
                assertEquals(Integer.parseInt(l.substring(8).trim()), store.stored().size(), file + ": stored");
            } else if (l.startsWith("@badmail ")) {
                assertEquals(Integer.parseInt(l.substring(9).trim()), store.badmail().size(), file + ": badmail");
            } else if (l.startsWith("@contains ")) {
                List<FakeStore.Stored> s = store.stored();
                String text = new String(s.get(s.size() - 1).bytes(), StandardCharsets.UTF_8);
                assertTrue(Pattern.compile(l.substring(10), Pattern.MULTILINE).matcher(text).find(),
                        file + ": stored message lacks " + l.substring(10) + "\n" + text);
            } else if (l.startsWith("@exact ")) {
                List<FakeStore.Stored> s = store.stored();
                String text = new String(s.get(s.size() - 1).bytes(), StandardCharsets.UTF_8);
                String body = text.substring(text.indexOf(";\r\n\t") + 3);
                body = body.substring(body.indexOf("\r\n") + 2);
                assertEquals(new String(unescape(l.substring(7)), StandardCharsets.UTF_8), body, file + ": exact");
            }
        }
    }

    static void configure(SmtpConfig.Builder b, String key, String v) {
        switch (key) {
            case "maxRecipients" -> b.maxRecipients(Integer.parseInt(v));
            case "maxMessageSize" -> b.maxMessageSize(Long.parseLong(v));
            case "maxLineLength" -> b.maxLineLength(Integer.parseInt(v));
            case "maxReceivedHeaders" -> b.maxReceivedHeaders(Integer.parseInt(v));
            case "plusAddressing" -> b.plusAddressing(Boolean.parseBoolean(v));
            case "plusSeparator" -> b.plusSeparator(v.charAt(0));
            case "tarpitLimit" -> b.tarpitLimit(Integer.parseInt(v));
            case "tarpitDelayMs" -> b.tarpitDelay(Duration.ofMillis(Long.parseLong(v)));
            case "commandTimeoutMs" -> b.commandTimeout(Duration.ofMillis(Long.parseLong(v)));
            case "dataTimeoutMs" -> b.dataTimeout(Duration.ofMillis(Long.parseLong(v)));
            case "sessionMaxDurationMs" -> b.sessionMaxDuration(Duration.ofMillis(Long.parseLong(v)));
            case "memoryBufferBytes" -> b.memoryBufferBytes(Integer.parseInt(v));
            case "maxConnectionsPerIp" -> b.maxConnectionsPerIp(Integer.parseInt(v));
            default -> throw new IllegalArgumentException("unknown @config key " + key);
        }
    }

    static byte[] unescape(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                switch (e) {
                    case 'r' -> b.write('\r');
                    case 'n' -> b.write('\n');
                    case '0' -> b.write(0);
                    case 't' -> b.write('\t');
                    case '\\' -> b.write('\\');
                    case 'x' -> {
                        b.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException("bad escape \\" + e);
                }
            } else {
                byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                b.write(u, 0, u.length);
            }
        }
        return b.toByteArray();
    }
}
