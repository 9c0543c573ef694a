package org.postkontor.deploy.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * SMTP and POP3 over IPv6: the listeners on {@code ::1}, a message in over SMTP and out over
 * POP3 (plain, where ::1 counts as loopback for pop3.allow-plaintext-auth-loopback) and POP3S.
 */
class Ipv6LoopbackTest {

    @TempDir
    Path dir;

    @Test
    void mailGoesInAndOutOverIpv6() throws Exception {
        Map<String, String> env = Map.of("POSTKONTOR_SMTP_BIND", "::1", "POSTKONTOR_POP3_BIND", "::1",
                "POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK", "true");
        try (ProofAppliance a = ProofAppliance.start(dir, env, new PlainTestHasher())) {
            a.addUser("alice@example.test", "pw-alice");
            for (String listener : new String[] {"smtp", "pop3", "pop3s"}) {
                assertTrue(a.appliance.address(listener).orElseThrow().getAddress() instanceof Inet6Address, listener);
            }
            try (Wire smtp = new Wire("::1", a.port("smtp"), false, 30_000, null)) {
                assertTrue(smtp.smtpReply().startsWith("220"));
                assertTrue(smtp.smtp("EHLO client.example.org").startsWith("250"));
                assertTrue(smtp.sendMail("bob@example.org", "alice@example.test",
                        "Subject: over IPv6\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII)), smtp.lastReply);
                assertTrue(smtp.smtp("QUIT").startsWith("221"));
            }
            try (Wire pop = new Wire("::1", a.port("pop3"), false, 30_000, null)) {
                assertTrue(pop.line().startsWith("+OK"));
                assertEquals("+OK send PASS", pop.pop("USER alice@example.test"), "::1 is loopback");
                assertTrue(pop.pop("PASS pw-alice").startsWith("+OK"));
                assertTrue(pop.pop("RETR 1").startsWith("+OK"));
                String message = pop.multiLine();
                assertTrue(message.contains("Subject: over IPv6"), message);
                assertTrue(message.contains("Received: from client.example.org ([IPv6:0:0:0:0:0:0:0:1])"),
                        "an RFC 5321 IPv6 address literal:\n" + message);
                assertTrue(pop.pop("QUIT").startsWith("+OK"));
            }
            try (Wire pops = new Wire("::1", a.port("pop3s"), true, 30_000, null)) {
                assertTrue(pops.line().startsWith("+OK"));
                assertTrue(pops.pop("USER alice@example.test").startsWith("+OK"));
                assertTrue(pops.pop("PASS pw-alice").startsWith("+OK"));
                assertTrue(pops.pop("STAT").startsWith("+OK 1 "));
                assertTrue(pops.pop("QUIT").startsWith("+OK"));
            }
        }
    }
}
