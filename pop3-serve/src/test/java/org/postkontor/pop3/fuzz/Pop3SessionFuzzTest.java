package org.postkontor.pop3.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import org.postkontor.pop3.Connection;
import org.postkontor.pop3.LoginDelay;
import org.postkontor.store.LoginThrottle;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Session;
import org.postkontor.pop3.Reply;
import org.postkontor.pop3.SessionServices;
import org.postkontor.pop3.SessionState;
import org.postkontor.pop3.testing.MemoryStore;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.MutableClock;

/**
 * Coverage-guided fuzzing of the POP3 command parser and session state machine (Jazzer). The
 * input is split into command lines and fed to one session, as the transport would after framing.
 * Properties: no exception escapes; every reply is protocol-valid (+OK, -ERR or a SASL "+ "
 * continuation, at most 512 octets, RFC 2449 §4); a logged-in session only ever serves the mail of
 * the user it logged in as.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs the saved inputs as a regression test; the {@code fuzz}
 * surefire execution runs it with {@code JAZZER_FUZZ=1} for a short time in every build, and
 * {@code bench/fuzz.sh} for as long as you like.
 */
class Pop3SessionFuzzTest {

    private static final byte[] ALICE_MAIL = "Subject: a\r\nX-Owner: alice\r\n\r\n.hidden\r\nbody\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BOB_MAIL = "Subject: b\r\nX-Owner: bob\r\n\r\nsecret of bob\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    static {
        // One log line per session would make logging the bottleneck of the fuzzer.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("postkontor.pop3"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pop3Config CONFIG = Pop3Config.builder().build();

    @FuzzTest(maxDuration = "45s")
    void commandsNeverBreakTheSession(byte[] input) throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        MemoryStore store = new MemoryStore(clock);
        MailAddress alice = store.addUser("alice@example.test", "secret");
        MailAddress bob = store.addUser("bob@example.test", "hunter2");
        store.deliver(alice, ALICE_MAIL);
        store.deliver(alice, ALICE_MAIL);
        store.deliver(bob, BOB_MAIL);
        Pop3Config config = CONFIG;
        SessionServices services = new SessionServices(config, store, store,
                new LoginThrottle(clock, config.failureWindow(), config.maxFailuresPerAddress(), config.maxFailuresPerUser()),
                new LoginDelay(clock, config.loginDelay()), Pop3Metrics.NOOP, clock, d -> clock.advance(d),
                RANDOM, new byte[32]);
        boolean tls = input.length > 0 && (input[0] & 1) == 1;
        Pop3Session session = new Pop3Session(new Connection("fuzz", "192.0.2.7", false, tls, !tls), services);
        check(session, session.greeting());

        String text = new String(input, tls ? 1 : 0, Math.max(0, input.length - (tls ? 1 : 0)), StandardCharsets.ISO_8859_1);
        int lines = 0;
        for (String line : text.split("\n", -1)) {
            if (session.finished() || ++lines > 64) {
                break;
            }
            String command = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            Reply reply = command.length() > config.maxCommandLine()
                    ? session.malformedLine(true) : session.handle(command);
            check(session, reply);
        }
        session.end("fuzz");
    }

    private static void check(Pop3Session session, Reply reply) throws IOException {
        String status = reply.statusLine();
        assertTrue(status.startsWith("+OK") || status.startsWith("-ERR ") || status.startsWith("+ "),
                () -> "not a POP3 reply: " + status);
        assertTrue(status.length() + 2 <= 512, () -> "reply longer than 512 octets: " + status);
        if (reply instanceof Reply.Lines l) {
            l.lines().forEach(x -> assertTrue(x.length() + 2 <= 512, "listing line too long"));
        }
        if (reply instanceof Reply.Body body) {
            String owner;
            try (InputStream in = body.body()) {
                owner = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            SessionState state = session.state();
            assertTrue(state instanceof SessionState.Transaction, "a message body outside TRANSACTION");
            String user = ((SessionState.Transaction) state).user().localPart();
            assertEquals(user, owner.contains("X-Owner: alice") ? "alice" : owner.contains("X-Owner: bob") ? "bob" : user,
                    "served another user's mail");
        }
    }
}
