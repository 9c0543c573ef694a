package org.postkontor.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.pop3.testing.MemoryStore;
import org.postkontor.store.LoginThrottle;
import org.postkontor.store.MailAddress;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.testing.MutableClock;

/** The state machine without any I/O. */
class Pop3SessionTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private MemoryStore store;
    private MailAddress alice;
    private final Duration[] slept = {Duration.ZERO};

    @BeforeEach
    void setUp() {
        store = new MemoryStore(clock);
        alice = store.addUser("alice@example.test", "secret");
        store.addUser("bob@example.test", "hunter2");
        store.deliver(alice, "Subject: one\r\n\r\nfirst\r\n".getBytes(StandardCharsets.US_ASCII));
        store.deliver(alice, "Subject: two\r\n\r\n.dot\r\nsecond\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private SessionServices services(Pop3Config config) {
        return new SessionServices(config, store, store,
                new LoginThrottle(clock, config.failureWindow(), config.maxFailuresPerAddress(), config.maxFailuresPerUser()),
                new LoginDelay(clock, config.loginDelay()), Pop3Metrics.NOOP, clock,
                d -> slept[0] = slept[0].plus(d), new SecureRandom(), new byte[32]);
    }

    private Pop3Session session(Pop3Config.Builder b, boolean tls) {
        return new Pop3Session(new Connection("t1", "192.0.2.1", false, tls, !tls), services(b.build()));
    }

    private Pop3Session tlsSession() {
        return session(Pop3Config.builder(), true);
    }

    private static String line(Reply r) {
        return r.statusLine();
    }

    private Pop3Session loggedIn() {
        Pop3Session s = tlsSession();
        s.handle("USER alice@example.test");
        assertEquals("+OK maildrop locked and ready, 2 messages (" + total() + " octets)", line(s.handle("PASS secret")));
        return s;
    }

    private long total() {
        return 2 * "Delivered-To: alice@example.test\r\n".length() + "Subject: one\r\n\r\nfirst\r\n".length()
                + "Subject: two\r\n\r\n.dot\r\nsecond\r\n".length();
    }

    @Test
    void deleMarksRsetUnmarksQuitExpunges() {
        Pop3Session s = loggedIn();
        assertEquals("+OK message 1 deleted", line(s.handle("DELE 1")));
        assertEquals("-ERR message 1 already deleted", line(s.handle("RETR 1")));
        assertTrue(line(s.handle("STAT")).startsWith("+OK 1 "));
        s.handle("RSET");
        assertTrue(line(s.handle("STAT")).startsWith("+OK 2 "));
        s.handle("DELE 2");
        assertEquals(2, store.count(alice), "nothing removed before QUIT");
        assertEquals("+OK Postkontor POP3 server signing off (1 messages left)", line(s.handle("QUIT")));
        assertInstanceOf(SessionState.Update.class, s.state());
        assertTrue(s.finished());
        assertEquals(1, store.count(alice));
        assertFalse(store.isLocked(alice));
    }

    @Test
    void quitAnswersErrWhenExpungeFailsAndKeepsMail() {
        Pop3Session s = loggedIn();
        s.handle("DELE 1");
        store.failExpunge = true;
        assertEquals("-ERR [SYS/TEMP] deleted messages were not removed; they are still in the maildrop",
                line(s.handle("QUIT")));
        assertEquals(2, store.count(alice));
        assertFalse(store.isLocked(alice));
    }

    @Test
    void lostConnectionDeletesNothingAndReleasesLock() {
        Pop3Session s = loggedIn();
        s.handle("DELE 1");
        s.handle("DELE 2");
        s.end("client_closed");
        assertEquals(2, store.count(alice));
        assertFalse(store.isLocked(alice));
    }

    @Test
    void secondSessionGetsInUse() {
        loggedIn();
        Pop3Session other = tlsSession();
        other.handle("USER alice@example.test");
        assertEquals("-ERR [IN-USE] maildrop is locked by another session", line(other.handle("PASS secret")));
        assertInstanceOf(SessionState.Authorization.class, other.state());
    }

    @Test
    void badPasswordIsDelayedAndAuth() {
        Pop3Session s = tlsSession();
        s.handle("USER alice@example.test");
        assertEquals("-ERR [AUTH] invalid user name or password", line(s.handle("PASS wrong")));
        assertEquals(Duration.ofMillis(1500), slept[0]);
    }

    @Test
    void plaintextRefusedWithoutTlsAndNotAdvertised() {
        Pop3Session s = session(Pop3Config.builder(), false);
        Reply.Lines capa = (Reply.Lines) s.handle("CAPA");
        assertFalse(capa.lines().contains("USER"));
        assertTrue(capa.lines().contains("SASL SCRAM-SHA-256"));
        assertTrue(capa.lines().contains("STLS"));
        assertTrue(line(s.handle("USER alice@example.test")).startsWith("-ERR [AUTH] plaintext authentication"));
        assertTrue(line(s.handle("AUTH PLAIN")).startsWith("-ERR [AUTH] plaintext authentication"));
        assertInstanceOf(Reply.StartTls.class, s.handle("STLS"));
        assertEquals("+OK send PASS", line(s.handle("USER alice@example.test")));
    }

    @Test
    void commandsCheckTheirState() {
        Pop3Session s = tlsSession();
        assertEquals("-ERR command not valid in this state", line(s.handle("STAT")));
        assertEquals("-ERR command not valid in this state", line(s.handle("NOOP")));
        Pop3Session t = loggedIn();
        assertEquals("-ERR command not valid in this state", line(t.handle("USER x")));
        assertEquals("-ERR unknown command", line(t.handle("XYZZY")));
        assertEquals("-ERR syntax error: RETR msg", line(t.handle("RETR 01")));
        assertEquals("-ERR no such message", line(t.handle("RETR 3")));
    }

    @Test
    void tooManyBadCommandsEndsTheSession() {
        Pop3Session s = session(Pop3Config.builder().maxBadCommands(3), true);
        s.handle("X");
        s.handle("Y");
        assertEquals("-ERR too many bad commands; closing connection", line(s.handle("Z")));
        assertTrue(s.finished());
        assertEquals("too_many_errors", s.finishReason());
    }

    @Test
    void longCommandLineRefused() {
        Pop3Session s = tlsSession();
        assertEquals("-ERR command line too long (RFC 2449: 255 octets)", line(s.handle("USER " + "a".repeat(300))));
        assertEquals("+OK send PASS", line(s.handle("USER " + "a".repeat(248))));
    }

    @Test
    void saslPlainWithInitialResponse() {
        Pop3Session s = tlsSession();
        String ir = Base64.getEncoder().encodeToString("\0alice@example.test\0secret".getBytes(StandardCharsets.UTF_8));
        assertTrue(line(s.handle("AUTH PLAIN " + ir)).startsWith("+OK maildrop locked"));
    }

    @Test
    void saslLoginTwoChallenges() {
        Pop3Session s = tlsSession();
        assertEquals("+ VXNlcm5hbWU6", line(s.handle("AUTH LOGIN")));
        assertEquals("+ UGFzc3dvcmQ6", line(s.handle(b64("alice@example.test"))));
        assertTrue(line(s.handle(b64("secret"))).startsWith("+OK maildrop locked"));
    }

    @Test
    void saslCancelled() {
        Pop3Session s = tlsSession();
        s.handle("AUTH PLAIN");
        assertEquals("-ERR authentication cancelled", line(s.handle("*")));
        assertFalse(s.awaitingSaslResponse());
    }

    @Test
    void scramSha256FullExchangeOnPlainConnection() {
        Pop3Session s = session(Pop3Config.builder(), false);
        assertTrue(line(scram(s, "secret")).startsWith("+OK maildrop locked"));
    }

    @Test
    void scramSha256WrongPasswordAndUnknownUserFailAlike() {
        Pop3Session s = session(Pop3Config.builder(), false);
        assertEquals("-ERR [AUTH] invalid user name or password", line(scram(s, "wrong")));
    }

    /** A client side of RFC 5802, enough to test the server. Returns the final reply. */
    private Reply scram(Pop3Session s, String password) {
        String cnonce = "rOprNGfwEbeRWgbNEkqO";
        String bare = "n=alice@example.test,r=" + cnonce;
        Reply r = s.handle("AUTH SCRAM-SHA-256 " + b64("n,," + bare));
        String serverFirst = new String(Base64.getDecoder().decode(((Reply.Challenge) r).base64()), StandardCharsets.UTF_8);
        Map<String, String> attrs = new HashMap<>();
        for (String kv : serverFirst.split(",")) {
            attrs.put(kv.substring(0, 1), kv.substring(2));
        }
        assertTrue(attrs.get("r").startsWith(cnonce));
        byte[] salt = Base64.getDecoder().decode(attrs.get("s"));
        int iterations = Integer.parseInt(attrs.get("i"));
        String withoutProof = "c=" + b64("n,,") + ",r=" + attrs.get("r");
        String authMessage = bare + "," + serverFirst + "," + withoutProof;
        byte[] salted = ScramCredential.saltedPassword(password.toCharArray(), salt, iterations);
        byte[] clientKey = ScramCredential.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = ScramCredential.sha256(clientKey);
        byte[] sig = ScramCredential.hmac(storedKey, authMessage.getBytes(StandardCharsets.UTF_8));
        byte[] proof = new byte[32];
        for (int i = 0; i < 32; i++) {
            proof[i] = (byte) (clientKey[i] ^ sig[i]);
        }
        Reply fin = s.handle(b64(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)));
        if (!(fin instanceof Reply.Challenge c)) {
            return fin;
        }
        byte[] serverKey = ScramCredential.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
        String expected = "v=" + Base64.getEncoder().encodeToString(
                ScramCredential.hmac(serverKey, authMessage.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, new String(Base64.getDecoder().decode(c.base64()), StandardCharsets.UTF_8));
        return s.handle("");
    }

    @Test
    void perUserLimitRefusesEvenTheRightPasswordUntilTheWindowPasses() {
        Pop3Config.Builder b = Pop3Config.builder().maxFailuresPerUser(3).failureWindow(Duration.ofMinutes(5));
        SessionServices svc = services(b.build());
        for (int i = 0; i < 3; i++) {
            Pop3Session s = new Pop3Session(new Connection("t", "192.0.2." + (i + 1), false, true, false), svc);
            s.handle("USER alice@example.test");
            assertEquals("-ERR [AUTH] invalid user name or password", line(s.handle("PASS nope")));
        }
        Pop3Session s = new Pop3Session(new Connection("t", "192.0.2.9", false, true, false), svc);
        s.handle("USER alice@example.test");
        assertEquals("-ERR [SYS/TEMP] too many failed logins; try again later", line(s.handle("PASS secret")));
        clock.advance(Duration.ofMinutes(6));
        s.handle("USER alice@example.test");
        assertTrue(line(s.handle("PASS secret")).startsWith("+OK maildrop locked"));
    }

    @Test
    void loginDelayEnforced() {
        SessionServices svc = services(Pop3Config.builder().loginDelay(Duration.ofSeconds(60)).build());
        Pop3Session s1 = new Pop3Session(new Connection("a", "192.0.2.1", false, true, false), svc);
        Reply.Lines capa = (Reply.Lines) s1.handle("CAPA");
        assertTrue(capa.lines().contains("LOGIN-DELAY 60"));
        s1.handle("USER alice@example.test");
        s1.handle("PASS secret");
        s1.handle("QUIT");
        Pop3Session s2 = new Pop3Session(new Connection("b", "192.0.2.1", false, true, false), svc);
        s2.handle("USER alice@example.test");
        assertEquals("-ERR [LOGIN-DELAY] logged in too recently; wait 60 seconds between logins",
                line(s2.handle("PASS secret")));
        clock.advance(Duration.ofSeconds(61));
        s2.handle("USER alice@example.test");
        assertTrue(line(s2.handle("PASS secret")).startsWith("+OK"));
    }

    @Test
    void expireZeroRemovesRetrievedMessagesAtQuit() throws IOException {
        Pop3Session s = session(Pop3Config.builder().expireDays(0), true);
        assertTrue(((Reply.Lines) s.handle("CAPA")).lines().contains("EXPIRE 0"));
        s.handle("USER alice@example.test");
        s.handle("PASS secret");
        ((Reply.Body) s.handle("RETR 2")).body().close();
        s.handle("QUIT");
        assertEquals(1, store.count(alice));
    }

    @Test
    void topSendsHeaderAndLines() throws IOException {
        Pop3Session s = loggedIn();
        Reply.Body body = (Reply.Body) s.handle("TOP 2 1");
        assertEquals("Delivered-To: alice@example.test\r\nSubject: two\r\n\r\n..dot\r\n.\r\n", stuffed(body));
        Reply.Body all = (Reply.Body) s.handle("RETR 2");
        assertEquals("+OK " + ("Delivered-To: alice@example.test\r\nSubject: two\r\n\r\n.dot\r\nsecond\r\n").length()
                + " octets", all.statusLine());
    }

    @Test
    void listAndUidlAfterDele() {
        Pop3Session s = loggedIn();
        s.handle("DELE 1");
        Reply.Lines list = (Reply.Lines) s.handle("LIST");
        assertEquals(1, list.lines().size());
        assertTrue(list.lines().get(0).startsWith("2 "));
        Reply.Lines uidl = (Reply.Lines) s.handle("UIDL");
        assertEquals(List.of("2 m2x"), uidl.lines());
        assertEquals("+OK 2 m2x", line(s.handle("UIDL 2")));
    }

    static String stuffed(Reply.Body body) throws IOException {
        DotStuffer d = new DotStuffer(body.body(), body.bodyLines());
        byte[] out = new byte[DotStuffer.minOutput()];
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int n;
        while ((n = d.read(out)) >= 0) {
            all.write(out, 0, n);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
