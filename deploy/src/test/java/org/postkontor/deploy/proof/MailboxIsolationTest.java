package org.postkontor.deploy.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * One user never reads another's mail over real POP3, whatever is tried (issue 8, security). Alice
 * has a message carrying a marker; bob (who knows only his own password) tries message numbers 0,
 * -1, huge, signed, padded and non-numeric; user names with path characters, URL escapes, raw NUL
 * bytes, 10,000 characters, alice's address in other case or with a trailing dot; SASL PLAIN and
 * LOGIN with an authzid naming alice; and a second session while a first one holds the lock.
 * Every byte every attacking session received is kept: the marker is never among them, while
 * alice herself still gets it (the control).
 */
class MailboxIsolationTest {

    static final String MARKER = "MARKER-ALICE-7f3a9c1e";
    static final String ALICE = "alice@example.test";
    static final String BOB = "bob@example.test";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream attacker = new ByteArrayOutputStream();
    private final List<String> transcript = new ArrayList<>();
    private int pop3;

    @Test
    void bobNeverSeesAnyByteOfAlicesMessage() throws Exception {
        Map<String, String> env = Map.of("POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK", "true",
                "POSTKONTOR_POP3_MAX_FAILURES_PER_ADDRESS", "1000000",
                "POSTKONTOR_POP3_MAX_FAILURES_PER_USER", "1000000",
                "POSTKONTOR_POP3_MAX_COMMAND_LINE", "8192");
        try (ProofAppliance a = ProofAppliance.start(dir, env, new PlainTestHasher())) {
            a.addUser(ALICE, "pw-alice");
            a.addUser(BOB, "pw-bob");
            pop3 = a.port("pop3");
            try (Wire smtp = new Wire(a.port("smtp"), false, 30_000, null)) {
                smtp.smtpReply();
                smtp.smtp("EHLO sender.test");
                assertTrue(smtp.sendMail("x@sender.test", ALICE, message("for alice " + MARKER)));
                assertTrue(smtp.sendMail("x@sender.test", BOB, message("for bob, nothing secret")));
            }

            messageNumbers();
            userNames();
            sasl();
            secondSession();

            String seen = attacker.toString(StandardCharsets.ISO_8859_1);
            System.out.println("isolation: " + transcript.size() + " attempts, " + attacker.size()
                    + " bytes received by bob's sessions, logins that succeeded (all into bob's own maildrop): "
                    + transcript.stream().filter(t -> t.contains(" STAT -> ")).count() + ", marker found: "
                    + seen.contains(MARKER));
            assertFalse(seen.contains(MARKER), "bob received alice's marker; attempts:\n" + String.join("\n", transcript));
            assertFalse(seen.contains("for alice"), "bob received alice's message");

            try (Wire w = new Wire(pop3, false, 30_000, null)) { // the control: alice still reads it
                w.line();
                assertTrue(w.pop("USER " + ALICE).startsWith("+OK"));
                assertTrue(w.pop("PASS pw-alice").startsWith("+OK"));
                assertTrue(w.pop("RETR 1").startsWith("+OK"));
                assertTrue(w.multiLine().contains(MARKER));
                w.pop("QUIT");
            }
        }
    }

    private static byte[] message(String body) {
        return ("From: x@sender.test\r\nSubject: isolation\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Bob logged in, every message-number form on every numbered command; only "1" is valid. */
    private void messageNumbers() throws IOException {
        List<String> numbers = List.of("0", "-1", "2", "3", "+1", "01", "1.0", "1e0", "0x1", "%31", "../1", "1/..",
                "abc", "", "2147483647", "2147483648", "4294967297", "-4294967295", "99999999999999999999999",
                "9".repeat(5000), "1\0", "\0" + "1", "1 1", "1 -1");
        for (String cmd : List.of("RETR", "TOP", "LIST", "UIDL", "DELE")) {
            for (String n : numbers) {
                if (cmd.equals("TOP") && n.equals("1 1")) {
                    continue; // message 1, one line: valid TOP
                }
                String command = cmd + " " + n + (cmd.equals("TOP") && !n.contains(" ") ? " 5" : "");
                try (Wire w = bob()) {
                    String reply = w.pop(command);
                    note(command, reply);
                    assertTrue(reply.startsWith("-ERR"), "'" + printable(command) + "' answered " + reply);
                    w.pop("QUIT");
                }
            }
        }
        try (Wire w = bob()) { // the valid number reads bob's own message
            assertTrue(w.pop("RETR 1").startsWith("+OK"));
            assertTrue(w.multiLine().contains("for bob"));
            w.pop("QUIT");
        }
    }

    /** USER/PASS with bob's password and names that try to reach alice's maildrop. */
    private void userNames() throws IOException {
        List<String> names = List.of("../" + ALICE, BOB + "/../" + ALICE, "%2e%2e/" + ALICE, "%2e%2e%2f" + ALICE,
                "..%2f" + ALICE, "../../index/" + ALICE, "/" + ALICE, ALICE + "\0" + BOB, BOB + "\0" + ALICE,
                "\0" + ALICE, ALICE.toUpperCase(), "Alice@Example.Test", ALICE + ".", ALICE + "..", ALICE + " ",
                "alice", "alice@", "@example.test", "alice%example.test", "alice@example.test@example.test",
                "alice+tag@example.test", "\"alice\"@example.test", "<" + ALICE + ">", "a".repeat(8000) + ALICE,
                "x".repeat(100_000));
        for (String name : names) {
            for (String password : List.of("pw-bob", "pw-bob\0pw-alice", "")) {
                try (Wire w = new Wire(pop3, false, 30_000, attacker)) {
                    w.line();
                    String u = w.pop("USER " + name);
                    String p = u.startsWith("+OK") ? w.pop("PASS " + password) : "(no PASS)";
                    note("USER " + name + " / PASS " + password, u + " / " + p);
                    if (p.startsWith("+OK")) {
                        plunder(w, "USER " + name);
                    }
                } catch (IOException closed) {
                    note("USER " + name, "connection closed: " + closed.getMessage());
                }
            }
        }
    }

    /** SASL PLAIN with authzid alice and bob's credentials, and AUTH LOGIN with odd names. */
    private void sasl() throws IOException {
        List<String> plain = List.of(ALICE + "\0" + BOB + "\0pw-bob", ALICE.toUpperCase() + "\0" + BOB + "\0pw-bob",
                "../" + ALICE + "\0" + BOB + "\0pw-bob", ALICE + "\0" + ALICE + "\0pw-bob",
                "\0" + ALICE + "\0pw-bob", "\0" + BOB + "\0pw-bob\0" + ALICE, "\0" + BOB + "\0" + ALICE + "\0pw-bob",
                "\0" + ALICE + "\0\0pw-bob", BOB + "\0" + BOB + "\0pw-bob");
        for (String p : plain) {
            String b64 = Base64.getEncoder().encodeToString(p.getBytes(StandardCharsets.UTF_8));
            for (boolean initial : List.of(true, false)) {
                try (Wire w = new Wire(pop3, false, 30_000, attacker)) {
                    w.line();
                    String r = initial ? w.pop("AUTH PLAIN " + b64) : w.pop("AUTH PLAIN");
                    if (!initial && r.startsWith("+")) {
                        r = w.pop(b64);
                    }
                    note("AUTH PLAIN " + p, r);
                    if (r.startsWith("+OK")) {
                        plunder(w, "AUTH PLAIN " + p);
                    }
                }
            }
        }
        for (String name : List.of(ALICE + "\0" + BOB, "../" + ALICE, ALICE.toUpperCase() + ".")) {
            try (Wire w = new Wire(pop3, false, 30_000, attacker)) {
                w.line();
                String r = w.pop("AUTH LOGIN");
                if (r.startsWith("+ ")) {
                    r = w.pop(Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8)));
                }
                if (r.startsWith("+ ")) {
                    r = w.pop(Base64.getEncoder().encodeToString("pw-bob".getBytes(StandardCharsets.UTF_8)));
                }
                note("AUTH LOGIN " + name, r);
                if (r.startsWith("+OK")) {
                    plunder(w, "AUTH LOGIN " + name);
                }
            }
        }
    }

    /** While alice's own session holds her lock, a second one (even with her password) is refused. */
    private void secondSession() throws IOException {
        try (Wire first = new Wire(pop3, false, 30_000, null)) {
            first.line();
            first.pop("USER " + ALICE);
            assertTrue(first.pop("PASS pw-alice").startsWith("+OK"));
            for (String name : List.of(ALICE, ALICE.toUpperCase())) {
                try (Wire second = new Wire(pop3, false, 30_000, attacker)) {
                    second.line();
                    second.pop("USER " + name);
                    String r = second.pop("PASS pw-alice");
                    note("second session " + name, r);
                    assertTrue(r.startsWith("-ERR [IN-USE]"), r);
                    assertTrue(second.pop("RETR 1").startsWith("-ERR"), "no transaction after a refused login");
                }
            }
            for (String name : List.of(BOB, BOB.toUpperCase())) { // bob's own second session too
                try (Wire b1 = bob(); Wire b2 = new Wire(pop3, false, 30_000, attacker)) {
                    b2.line();
                    b2.pop("USER " + name);
                    String r = b2.pop("PASS pw-bob");
                    note("bob's second session " + name, r);
                    assertTrue(r.startsWith("-ERR [IN-USE]"), r);
                    b1.pop("QUIT");
                }
            }
            assertTrue(first.pop("STAT").startsWith("+OK 1 "), "the first session is untouched");
            first.pop("QUIT");
        }
    }

    /** After a login that succeeded: it must be bob's maildrop; read all of it into the record. */
    private void plunder(Wire w, String how) throws IOException {
        String stat = w.pop("STAT");
        note(how + " STAT", stat);
        assertTrue(stat.startsWith("+OK 1 "), how + " logged into a maildrop with " + stat);
        if (w.pop("RETR 1").startsWith("+OK")) {
            String body = w.multiLine();
            assertTrue(body.contains("for bob"), how + " read someone else's message");
        }
        w.pop("QUIT");
    }

    private Wire bob() throws IOException {
        Wire w = new Wire(pop3, false, 30_000, attacker);
        w.line();
        w.pop("USER " + BOB);
        String r = w.pop("PASS pw-bob");
        if (!r.startsWith("+OK")) {
            w.close();
            throw new IOException("bob cannot log in: " + r);
        }
        return w;
    }

    private void note(String attempt, String reply) {
        transcript.add(printable(attempt) + " -> " + reply);
    }

    private static String printable(String s) {
        String t = s.replace("\0", "\\0");
        return t.length() > 80 ? t.substring(0, 60) + "...(" + t.length() + " chars)" : t;
    }
}
