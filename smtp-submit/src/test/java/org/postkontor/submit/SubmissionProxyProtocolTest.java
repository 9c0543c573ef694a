package org.postkontor.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.postkontor.store.Maildrop;
import org.postkontor.store.testing.ProxyHeaders;
import org.postkontor.submit.testing.SubmissionStack;
import org.postkontor.submit.testing.TlsClient;

/**
 * Submission behind a balancer: a PROXY header first on both listeners, also before the implicit
 * TLS handshake of the 465 kind, and the message's trace header names the client, not the balancer.
 */
class SubmissionProxyProtocolTest {

    private static void submit(TlsClient c, String subject) throws Exception {
        assertTrue(c.greetAndLogIn().startsWith("235"));
        c.send("MAIL FROM:<alice@example.test>");
        assertTrue(c.line().startsWith("250"));
        c.send("RCPT TO:<bob@example.test>");
        assertTrue(c.line().startsWith("250"));
        c.send("DATA");
        c.line();
        c.send("Subject: " + subject + "\r\n\r\nbody\r\n.");
        assertTrue(c.line().startsWith("250"));
        c.send("QUIT");
    }

    private static String lastMessage(SubmissionStack s) throws Exception {
        try (Maildrop m = s.store.store().maildrops().open(s.bob);
             InputStream in = m.open(m.listing().get(m.listing().size() - 1))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theHeaderComesBeforeImplicitTlsAndNamesTheClient() throws Exception {
        try (SubmissionStack s = new SubmissionStack(SubmissionStack.config(), new SubmissionMetrics() { }, true)) {
            try (TlsClient c = new TlsClient(s.implicit.port(), true, ProxyHeaders.v2(198, 51, 100, 9))) {
                submit(c, "over 465, v2");
            }
            assertTrue(lastMessage(s).contains("198.51.100.9"), lastMessage(s));
            try (TlsClient c = new TlsClient(s.implicit.port(), true, ProxyHeaders.v1("203.0.113.7"))) {
                submit(c, "over 465, v1");
            }
            assertTrue(lastMessage(s).contains("203.0.113.7"), lastMessage(s));
            try (TlsClient c = new TlsClient(s.starttls.port(), false, ProxyHeaders.v2(192, 0, 2, 44))) {
                c.reply();
                c.send("EHLO client.example");
                c.reply();
                c.send("STARTTLS");
                assertTrue(c.line().startsWith("220"));
                c.startTls();
                c.send("EHLO client.example");
                c.reply();
                c.send("QUIT");
                assertTrue(c.line().startsWith("221"));
            }
        }
    }

    @Test
    void aConnectionWithoutTheHeaderIsRefusedAndTheListenerKeepsServing() throws Exception {
        try (SubmissionStack s = new SubmissionStack(SubmissionStack.config(), new SubmissionMetrics() { }, true)) {
            // a client that starts TLS at once, without a header: its ClientHello is no PROXY header
            assertThrows(IOException.class, () -> {
                try (TlsClient c = new TlsClient(s.implicit.port(), true)) {
                    c.line();
                }
            });
            try (TlsClient c = new TlsClient(s.implicit.port(), true, ProxyHeaders.v2Local())) {
                submit(c, "a LOCAL header: the balancer's own address");
            }
            assertTrue(lastMessage(s).contains("127.0.0.1"), lastMessage(s));
            assertEquals(1, countMessages(s), "the refused connection left nothing");
        }
    }

    private static int countMessages(SubmissionStack s) throws Exception {
        try (Maildrop m = s.store.store().maildrops().open(s.bob)) {
            return m.listing().size();
        }
    }
}
