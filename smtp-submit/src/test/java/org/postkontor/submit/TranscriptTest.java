package org.postkontor.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.postkontor.submit.testing.SubmissionStack;
import org.postkontor.submit.testing.TlsClient;

/**
 * Submission conformance, one rule per file under {@code transcripts/}: {@code C:} a client line,
 * {@code S:} a literal server line, {@code S~:} a regex for the next server line, {@code S*:} server
 * lines skipped up to this literal one, {@code R+:} / {@code R-:} the next whole reply has / lacks
 * this literal line, {@code TLS} puts TLS on the connection. A first line {@code # port: implicit} connects with implicit TLS. In
 * client lines, {@code {b64:text}} is replaced by the base64 of text and {@code {password}} by the
 * users' password. Every transcript runs against a fresh stack.
 */
class TranscriptTest {

    @TestFactory
    Stream<DynamicTest> transcripts() throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/transcripts").toURI());
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".smtp")).sorted().toList().stream()
                    .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
        }
    }

    private static void run(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        boolean implicit = !lines.isEmpty() && lines.get(0).equals("# port: implicit");
        try (SubmissionStack stack = new SubmissionStack(SubmissionStack.config(), SubmissionMetrics.NOOP);
             TlsClient c = new TlsClient((implicit ? stack.implicit : stack.starttls).port(), implicit)) {
            int n = 0;
            for (String l : lines) {
                n++;
                String where = file.getFileName() + ":" + n;
                if (l.isBlank() || l.startsWith("#")) {
                    continue;
                }
                if (l.equals("TLS")) {
                    c.startTls();
                } else if (l.equals("C:")) {
                    c.send("");
                } else if (l.startsWith("C: ")) {
                    c.send(expand(l.substring(3)));
                } else if (l.startsWith("S: ")) {
                    assertEquals(l.substring(3), c.line(), where);
                } else if (l.startsWith("S*: ")) {
                    String want = l.substring(4);
                    int left = 30;
                    while (!c.line().equals(want)) {
                        assertTrue(--left > 0, where + ": no line " + want);
                    }
                } else if (l.startsWith("R+: ") || l.startsWith("R-: ")) {
                    List<String> reply = c.reply();
                    assertEquals(l.startsWith("R+: "), reply.contains(l.substring(4)), where + ": " + reply);
                } else if (l.startsWith("S~: ")) {
                    String got = c.line();
                    assertTrue(got.matches(l.substring(4)), where + ": " + got + " !~ " + l.substring(4));
                } else {
                    throw new IllegalArgumentException(where + ": not a transcript line: " + l);
                }
            }
        }
    }

    private static String expand(String s) {
        s = s.replace("{password}", SubmissionStack.PASSWORD);
        int i;
        while ((i = s.indexOf("{b64:")) >= 0) {
            int end = s.indexOf('}', i);
            String text = s.substring(i + 5, end).replace("{password}", SubmissionStack.PASSWORD).replace("\\0", "\0");
            s = s.substring(0, i) + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))
                    + s.substring(end + 1);
        }
        return s;
    }
}
