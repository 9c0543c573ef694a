package org.postkontor.deploy.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * RFC 1939 §§5, 7: the size LIST, STAT and RETR's +OK line give is exactly the octets RETR then
 * sends (before dot-stuffing), Delivered-To line included, whether the message came by DATA or by
 * BDAT, and whether its last line ended with CRLF or not (POP3 must send one there).
 */
class OctetCountTest {

    @TempDir
    Path dir;

    /** How a message reaches the server; {@code text} is the message as the client has it. */
    private record Sent(String how, String text, List<String> chunks) {
        static Sent data(String text) {
            return new Sent("DATA", text, List.of());
        }

        static Sent bdat(String... chunks) {
            return new Sent("BDAT", String.join("", chunks), List.of(chunks));
        }

        String subject() {
            return text.substring("Subject: ".length(), text.indexOf("\r\n"));
        }

        /** What a mailbox holds: the text with a CRLF after a last line without one, lone LFs as CRLF. */
        String stored() {
            String t = text.replace("\r\n", "\n").replace("\n", "\r\n");
            return t.endsWith("\r\n") ? t : t + "\r\n";
        }
    }

    @Test
    void listStatAndRetrCountTheOctetsRetrSends() throws Exception {
        List<Sent> messages = List.of(
                Sent.data("Subject: data-crlf\r\n\r\nends with CRLF\r\n"),
                // DATA always ends a last line with the CRLF before the dot (RFC 5321 §4.1.1.4)
                Sent.data("Subject: data-no-crlf\r\n\r\nthe client adds the CRLF before the dot"),
                Sent.bdat("Subject: bdat-crlf\r\n\r\nends with CRLF\r\n"),
                Sent.bdat("Subject: bdat-no-crlf\r\n\r\nthe last line is unterminated"),
                Sent.bdat("Subject: bdat-chunks-no-crlf\r\n\r\nfirst chunk\n", "a lone LF above, and no line end here"));
        try (ProofAppliance a = ProofAppliance.start(dir, Map.of(), new PlainTestHasher())) {
            a.addUser("alice@example.test", "pw-alice");
            try (Wire smtp = new Wire(a.port("smtp"), false, 30_000, null)) {
                assertTrue(smtp.smtpReply().startsWith("220"));
                assertTrue(smtp.smtp("EHLO client.example.org").startsWith("250"));
                for (Sent m : messages) {
                    assertTrue(send(smtp, m), m.how() + " " + m.subject() + ": " + smtp.lastReply);
                }
            }
            try (Wire pop = new Wire(a.port("pop3s"), true, 30_000, null)) {
                assertTrue(pop.line().startsWith("+OK"));
                assertTrue(pop.pop("USER alice@example.test").startsWith("+OK"));
                assertTrue(pop.pop("PASS pw-alice").startsWith("+OK"));
                String stat = pop.pop("STAT");
                Map<String, Long> sizes = new LinkedHashMap<>();
                long total = 0;
                for (int n = 1; n <= messages.size(); n++) {
                    long listed = Long.parseLong(pop.pop("LIST " + n).split(" ")[2]);
                    String retr = pop.pop("RETR " + n);
                    String body = pop.multiLine();
                    int sent = body.getBytes(StandardCharsets.ISO_8859_1).length;
                    String subject = body.substring(body.indexOf("Subject: ") + 9, body.indexOf("\r\n", body.indexOf("Subject: ")));
                    assertEquals(listed, sent, subject + ": LIST says " + listed + ", RETR sent " + sent);
                    assertEquals("+OK " + listed + " octets", retr, subject);
                    assertTrue(body.startsWith("Delivered-To: alice@example.test\r\n"), subject + ":\n" + body);
                    Sent m = messages.stream().filter(x -> x.subject().equals(subject)).findFirst().orElseThrow();
                    assertTrue(body.endsWith("\r\n" + m.stored()), subject + ":\n" + body);
                    sizes.put(subject, listed);
                    total += listed;
                }
                assertEquals(messages.size(), sizes.size(), "every message once: " + sizes);
                assertEquals("+OK " + messages.size() + " " + total, stat);
                pop.pop("QUIT");
            }
        }
    }

    private static boolean send(Wire smtp, Sent m) throws Exception {
        if (m.how().equals("DATA")) {
            String text = m.text().endsWith("\r\n") ? m.text() : m.text() + "\r\n";
            return smtp.sendMail("bob@example.org", "alice@example.test", text.getBytes(StandardCharsets.US_ASCII));
        }
        if (!(smtp.lastReply = smtp.smtp("MAIL FROM:<bob@example.org>")).startsWith("250")
                || !(smtp.lastReply = smtp.smtp("RCPT TO:<alice@example.test>")).startsWith("250")) {
            return false;
        }
        for (int i = 0; i < m.chunks().size(); i++) {
            byte[] chunk = m.chunks().get(i).getBytes(StandardCharsets.US_ASCII);
            boolean last = i == m.chunks().size() - 1;
            smtp.sendRaw(("BDAT " + chunk.length + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            smtp.sendRaw(chunk);
            smtp.lastReply = smtp.smtpReply();
            if (!smtp.lastReply.startsWith("250")) {
                return false;
            }
        }
        return true;
    }
}
