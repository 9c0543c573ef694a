package org.postkontor.deploy.proof;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TestCertificates;

/**
 * One login throttle for POP3 and submission: failures on one protocol count on the other, so an
 * attacker gains nothing by switching. With {@code pop3.max-failures-per-user=3}: three wrong AUTHs
 * on the submission port lock alice out of POP3 too (the right password refused while the window
 * lasts), and three wrong POP3 passwords for bob lock him out of submission.
 */
class SharedThrottleTest {

    private static final String PASSWORD = "Correct-Horse-9";

    @TempDir
    Path dir;

    @Test
    void failuresOnEitherProtocolCountOnTheOther() throws Exception {
        Map<String, String> env = Map.of("POSTKONTOR_POP3_MAX_FAILURES_PER_USER", "3",
                "POSTKONTOR_POP3_MAX_FAILURES_PER_ADDRESS", "100", "POSTKONTOR_POP3_FAILED_LOGIN_DELAY", "0",
                "POSTKONTOR_POP3_FAILURE_WINDOW", "10m");
        try (ProofAppliance a = ProofAppliance.start(dir, env, new PlainTestHasher())) {
            a.addUser("alice@example.test", PASSWORD);
            a.addUser("bob@example.test", PASSWORD);
            int submissions = a.port("submissions");
            int pop3s = a.port("pop3s");
            assertTrue(auth(submissions, "alice@example.test", PASSWORD), "alice's AUTH works at first");
            for (int i = 0; i < 3; i++) {
                assertFalse(auth(submissions, "alice@example.test", "wrong-" + i));
            }
            assertTrue(pop3(pop3s, "alice@example.test", PASSWORD).startsWith("-ERR [SYS/TEMP]"),
                    "POP3 refuses alice after three failed AUTHs on submission");
            assertTrue(pop3(pop3s, "bob@example.test", PASSWORD).startsWith("+OK"), "bob is not affected");
            for (int i = 0; i < 3; i++) {
                assertTrue(pop3(pop3s, "bob@example.test", "wrong-" + i).startsWith("-ERR [AUTH]"));
            }
            assertFalse(auth(submissions, "bob@example.test", PASSWORD),
                    "submission refuses bob after three failed POP3 logins");
        }
    }

    private static boolean auth(int port, String user, String password) throws Exception {
        AuthenticatingSMTPClient c = new AuthenticatingSMTPClient(true, TestCertificates.trustAllClientContext());
        try {
            c.setDefaultTimeout(20_000);
            c.connect("127.0.0.1", port);
            c.ehlo("client.example");
            return c.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, user, password);
        } finally {
            c.disconnect();
        }
    }

    private static String pop3(int port, String user, String password) throws IOException {
        try (Wire w = new Wire(port, true, 60_000, null)) {
            w.line();
            w.pop("USER " + user);
            String reply = w.pop("PASS " + password);
            if (reply.startsWith("+OK")) {
                w.pop("QUIT");
            }
            return reply;
        }
    }
}
