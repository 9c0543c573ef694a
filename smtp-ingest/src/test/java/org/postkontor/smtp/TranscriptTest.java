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
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.postkontor.store.testing.TestCertificates;

/**
 * Runs every file under {@code transcripts/}: one SMTP rule per file, against a real listener on
 * 127.0.0.1:0 delivering into a real store in a temp directory ({@link RealStack}: its fixture). Format (STYLE.md, extended):
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
        RealStack stack = shared();
        long stored = stack.storedMessages();
        long bad = stack.badmailItems();
        SmtpServer server = stack.newServer(config, SmtpMetrics.NOOP, tls);
        try {
            converse(file, lines, server.port());
        } finally {
            server.stop(Duration.ofSeconds(2));
        }
        check(file, lines, stack, stored, bad);
    }

    /** One real store for all transcripts (each gets its own listener); counts are checked as deltas. */
    private static RealStack stack;

    private static synchronized RealStack shared() throws Exception {
        if (stack == null) {
            stack = new RealStack(null, SmtpMetrics.NOOP, false);
        }
        return stack;
    }

    @org.junit.jupiter.api.AfterAll
    static synchronized void closeStore() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }

    private static void converse(Path file, List<String> lines, int port) throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(port, 15_000)) {
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
        }
    }

    private static void check(Path file, List<String> lines, RealStack stack, long storedBefore, long badBefore)
            throws Exception {
        for (String l : lines) {
            if (l.startsWith("@stored ")) {
                assertEquals(Integer.parseInt(l.substring(8).trim()), stack.storedMessages() - storedBefore,
                        file + ": stored");
            } else if (l.startsWith("@badmail ")) {
                assertEquals(Integer.parseInt(l.substring(9).trim()), stack.badmailItems() - badBefore,
                        file + ": badmail");
            } else if (l.startsWith("@contains ")) {
                String text = new String(stack.lastStored(), StandardCharsets.UTF_8);
                assertTrue(Pattern.compile(l.substring(10), Pattern.MULTILINE).matcher(text).find(),
                        file + ": stored message lacks " + l.substring(10) + "\n" + text);
            } else if (l.startsWith("@exact ")) {
                String body = RealStack.body(stack.lastStored());
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
