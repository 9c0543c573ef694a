package org.postkontor.smtp.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.testing.RealStack;

/**
 * Coverage-guided fuzzing of the SMTP listener (Jazzer): the command parser, the session state
 * machine, DATA/BDAT framing and the delivery path, through a real socket into the real store.
 * Each input is sent on a fresh connection, which is then half-closed. Properties: every reply line
 * is a valid SMTP reply (three digits, then space or hyphen; at most 512 octets, RFC 5321
 * §4.5.3.1.5); the server always answers and closes within a bound (no hang); it keeps serving new
 * connections afterwards.
 */
class SmtpSessionFuzzTest {

    private static final Pattern REPLY = Pattern.compile("[2-5][0-9][0-9]([ -].*)?");
    private static final RealStack STACK = start();
    private static int runs;

    private static RealStack start() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        try {
            return new RealStack(SmtpConfig.builder()
                    .bindAddress(InetAddress.getLoopbackAddress())
                    .tarpitDelay(Duration.ZERO).tarpitStep(Duration.ZERO)
                    .maxConnections(1000).maxConnectionsPerIp(1000)
                    .commandTimeout(Duration.ofSeconds(5)).dataTimeout(Duration.ofSeconds(5))
                    .maxMessageSize(64 * 1024), org.postkontor.smtp.SmtpMetrics.NOOP, false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "45s")
    void anyBytesGetValidRepliesAndTheServerKeepsServing(byte[] input) throws IOException {
        String transcript = exchange(input);
        for (String line : transcript.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            assertTrue(line.length() + 2 <= 512, () -> "reply line longer than 512 octets: " + line);
            assertTrue(REPLY.matcher(line).matches(), () -> "not an SMTP reply line: " + line);
        }
        if (++runs % 100 == 0) {
            assertTrue(exchange("QUIT\r\n".getBytes(StandardCharsets.US_ASCII)).startsWith("220 "),
                    "the server stopped greeting new connections");
        }
    }

    /** Sends {@code input}, half-closes, returns everything the server said until it closed. */
    private static String exchange(byte[] input) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), STACK.port()), 5_000);
            s.setSoTimeout(15_000);
            s.getOutputStream().write(input);
            s.getOutputStream().flush();
            s.shutdownOutput();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) != -1) {
                    got.write(buf, 0, n);
                    if (got.size() > 1 << 20) {
                        fail("more than 1 MiB of replies");
                    }
                }
            } catch (SocketTimeoutException e) {
                fail("the server neither answered nor closed within 15 s");
            } catch (IOException reset) {
                // a reset after the server closed is fine
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
