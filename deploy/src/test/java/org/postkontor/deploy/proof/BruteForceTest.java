package org.postkontor.deploy.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;

/**
 * Password guessing against the real appliance over POP3S, with the real Argon2id hasher (issue 8,
 * security: "brute force is throttled, show the numbers"). Settings shortened for the test:
 * {@code pop3.failed-login-delay=500ms}, {@code pop3.max-failures-per-user=5},
 * {@code pop3.max-failures-per-address=12}, {@code pop3.failure-window=30s}. It shows: every wrong
 * password waits at least the delay; the 6th guess for one user is refused as throttled ([SYS/TEMP],
 * even with the right password, so a guesser learns nothing); other users from the same address
 * still get in until the address limit; after the 12th failure from the address everything from
 * it is refused; and once the window has passed the real user logs in again. It prints every
 * reply time; RELIABILITY.md has a run.
 */
class BruteForceTest {

    static final Duration DELAY = Duration.ofMillis(500);
    static final Duration WINDOW = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private int pop3s;

    record Attempt(String user, String password, String reply, long millis) {
        @Override
        public String toString() {
            return user + (password.startsWith("right") ? " (right password)" : "") + " -> "
                    + (reply.startsWith("+OK") ? "+OK" : reply.substring(0, reply.indexOf(']') + 1)) + " in " + millis
                    + " ms";
        }
    }

    @Test
    void guessesAreSlowedThenRefusedAndTheRealUserGetsBackInAfterTheWindow() throws Exception {
        Map<String, String> env = Map.of("POSTKONTOR_POP3_FAILED_LOGIN_DELAY", DELAY.toMillis() + "ms",
                "POSTKONTOR_POP3_MAX_FAILURES_PER_USER", "5", "POSTKONTOR_POP3_MAX_FAILURES_PER_ADDRESS", "12",
                "POSTKONTOR_POP3_FAILURE_WINDOW", WINDOW.toSeconds() + "s");
        try (ProofAppliance a = ProofAppliance.start(dir, env, Appliance.defaultHasher())) {
            a.addUser("alice@example.test", "right-alice");
            a.addUser("bob@example.test", "right-bob");
            pop3s = a.port("pop3s");
            List<Attempt> log = new ArrayList<>();
            long firstFailure = System.nanoTime();

            // 1. eight guesses for alice: five counted failures, then throttled
            for (int i = 1; i <= 8; i++) {
                Attempt t = attempt("alice@example.test", "guess-" + i);
                log.add(t);
                assertTrue(t.reply().startsWith(i <= 5 ? "-ERR [AUTH]" : "-ERR [SYS/TEMP]"), "guess " + i + ": " + t);
                assertTrue(t.millis() >= DELAY.toMillis() - 50, "a refused login waits the delay: " + t);
            }
            Attempt blockedRight = attempt("alice@example.test", "right-alice");
            log.add(blockedRight);
            assertTrue(blockedRight.reply().startsWith("-ERR [SYS/TEMP]"), "the right password is refused too while "
                    + "the user is blocked: " + blockedRight);
            Attempt otherUser = attempt("bob@example.test", "right-bob");
            log.add(otherUser);
            assertTrue(otherUser.reply().startsWith("+OK"), "another user from the same address: " + otherUser);

            // 2. guesses spread over unknown names: the address limit (12 failures) then refuses all
            for (int i = 1; i <= 9; i++) {
                Attempt t = attempt("nobody" + i + "@example.test", "guess");
                log.add(t);
                assertTrue(t.reply().startsWith(i <= 7 ? "-ERR [AUTH]" : "-ERR [SYS/TEMP]"), "name " + i + ": " + t);
            }
            long phases = (System.nanoTime() - firstFailure) / 1_000_000;
            assertTrue(phases < WINDOW.toMillis() - 2000, "the counts above assume every failure is still in the "
                    + "window; the guesses took " + phases + " ms");
            Attempt bobBlocked = attempt("bob@example.test", "right-bob");
            log.add(bobBlocked);
            assertTrue(bobBlocked.reply().startsWith("-ERR [SYS/TEMP]"), "address blocked: " + bobBlocked);

            // 3. after the window the real user logs in (poll once a second, bounded)
            Attempt back = null;
            for (int i = 0; i < 60 && (back == null || !back.reply().startsWith("+OK")); i++) {
                Thread.sleep(1000);
                back = attempt("alice@example.test", "right-alice");
            }
            long sinceFirst = (System.nanoTime() - firstFailure) / 1_000_000;
            log.add(back);
            assertTrue(back.reply().startsWith("+OK"), "alice got back in: " + back);

            System.out.println("brute force (delay " + DELAY.toMillis() + " ms, per-user 5, per-address 12, window "
                    + WINDOW.toSeconds() + " s):");
            log.forEach(t -> System.out.println("  " + t));
            System.out.println("  alice logged in again " + sinceFirst + " ms after the first failure");
            String m = a.metrics();
            System.out.println("  " + m.lines().filter(l -> l.startsWith("postkontor_pop3_logins_total")
                    && !l.endsWith(" 0.0")).toList());
            assertEquals(12.0, sum(m, "result=\"failure\""), "5 + 7 failures counted, throttled ones apart:\n" + m);
            assertTrue(sum(m, "result=\"throttled\"") >= 6, m);
        }
    }

    private static double sum(String metrics, String label) {
        return metrics.lines().filter(l -> l.startsWith("postkontor_pop3_logins_total") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** One connection, USER + PASS; the time is from sending PASS to its reply. */
    private Attempt attempt(String user, String password) throws IOException {
        try (Wire w = new Wire(pop3s, true, 60_000, null)) {
            w.line();
            w.pop("USER " + user);
            long start = System.nanoTime();
            String reply = w.pop("PASS " + password);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (reply.startsWith("+OK")) {
                w.pop("QUIT");
            }
            return new Attempt(user, password, reply, millis);
        }
    }
}
