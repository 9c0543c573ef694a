package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;

/** Not an open relay: the usual tricks, against the real store, each refused with a 5xx at RCPT. */
class RelayTricksTest {

    private static RealStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = new RealStack(SmtpConfig.builder().tarpitDelay(java.time.Duration.ZERO)
                .tarpitStep(java.time.Duration.ZERO));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "victim@foreign.test",
        "VICTIM@FOREIGN.TEST",
        "victim@foreign.test.",
        "victim@FOREIGN.test..",
        "victim%foreign.test@example.test",
        "victim%foreign.test@EXAMPLE.TEST.",
        "foreign.test!victim@example.test",
        "\"victim@foreign.test\"@example.test",
        "\"victim%foreign.test\"@example.test",
        "@example.test:victim@foreign.test",
        "@example.test,@example.test:victim@foreign.test",
        "victim@foreign.test@example.test",
        "victim@[192.0.2.1]",
        "victim@[127.0.0.1]",
        "victim@[IPv6:::1]",
        "alice@example.test.foreign.test",
        "alice@sub.example.test",
        "postmaster@foreign.test",
        "<victim@foreign.test>",
        "",
    })
    void refused(String recipient) throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000)) {
            c.reply();
            c.send("EHLO attacker.test");
            c.reply();
            c.send("MAIL FROM:<attacker@attacker.test>");
            assertEquals("250 2.1.0 Ok", c.line());
            c.send("RCPT TO:<" + recipient + ">");
            String reply = c.line();
            assertTrue(reply.startsWith("5"), recipient + " → " + reply);
            assertTrue(reply.matches("5\\d\\d 5\\.\\d\\.\\d+ .*"), recipient + " → " + reply);
            c.send("DATA");
            assertTrue(c.line().startsWith("503 5.5.1"));
            c.send("QUIT");
        }
        assertEquals(List.of(), stack.messages("alice@example.test"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice@example.test", "ALICE@EXAMPLE.TEST", "alice@example.test.", "@foreign.test:alice@example.test"})
    void localAddressesInAnyCaseAreAccepted(String recipient) throws Exception {
        try (SmtpTestClient c = new SmtpTestClient(stack.port(), 10_000)) {
            c.reply();
            c.send("EHLO client.test");
            c.reply();
            c.send("MAIL FROM:<sender@remote.test>");
            c.line();
            c.send("RCPT TO:<" + recipient + ">");
            assertEquals("250 2.1.5 Ok", c.line(), recipient);
            c.send("RSET");
            c.line();
            c.send("QUIT");
        }
    }
}
