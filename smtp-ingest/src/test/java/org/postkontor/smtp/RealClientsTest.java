package org.postkontor.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.store.testing.ClientTools;

/**
 * Real third-party clients (swaks, Python smtplib) against the listener on a real store: what each
 * sends is found byte-exact in the mailbox, after the trace headers. Skipped, with a message, only
 * when the client is not installed (CI installs it: .ci/install-packages).
 */
class RealClientsTest {

    private static final String MESSAGE = "From: sender@remote.test\r\nTo: alice@example.test\r\n"
            + "Subject: real client\r\nMessage-ID: <1@remote.test>\r\n\r\nline one\r\n.leading dot\r\n"
            + "..two dots\r\n\r\nGr\u00fc\u00dfe, 8-bit\r\n";

    /** swaks sends the file, then CRLF . CRLF even when the file ends with a line end: one empty line more. */
    private static final String SWAKS_SENT = MESSAGE + "\r\n";

    @TempDir
    Path dir;
    private RealStack stack;

    @BeforeEach
    void start() throws Exception {
        stack = new RealStack(SmtpConfig.builder());
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    @Test
    void swaksPlain() throws Exception {
        requireSwaks(false);
        String out = swaks();
        assertTrue(out.contains("<-  250 2.0.0 Ok: queued as"), out);
        assertStoredExactly("alice@example.test", SWAKS_SENT);
    }

    @Test
    void swaksStartTls() throws Exception {
        requireSwaks(true);
        String out = swaks("--tls");
        assertTrue(out.contains("TLS started with cipher TLSv1.3") || out.contains("TLS started with cipher TLSv1.2"), out);
        assertTrue(out.contains("250 2.0.0 Ok: queued as"), out);
        byte[] stored = assertStoredExactly("alice@example.test", SWAKS_SENT);
        assertTrue(new String(stored, StandardCharsets.UTF_8).contains("with ESMTPS id"));
    }

    @Test
    void swaksPipelining() throws Exception {
        requireSwaks(false);
        String out = swaks("--pipeline");
        assertTrue(out.contains("PIPELINING"), out);
        assertTrue(out.contains("250 2.0.0 Ok: queued as"), out);
        assertStoredExactly("alice@example.test", SWAKS_SENT);
    }

    @Test
    void pythonSmtplibStartTlsTwoRecipientsStoredOnce() throws Exception {
        requireBinary("python3");
        Path msg = dir.resolve("msg.eml");
        Files.write(msg, MESSAGE.getBytes(StandardCharsets.UTF_8));
        String script = String.join("\n",
                "import smtplib, ssl, sys",
                "ctx = ssl.create_default_context()",
                "ctx.check_hostname = False",
                "ctx.verify_mode = ssl.CERT_NONE",
                "data = open(sys.argv[2], 'rb').read()",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.test', timeout=30) as s:",
                "    s.ehlo()",
                "    assert s.has_extn('pipelining') and s.has_extn('enhancedstatuscodes'), s.esmtp_features",
                "    s.starttls(context=ctx)",
                "    s.ehlo()",
                "    refused = s.sendmail('sender@remote.test', ['alice@example.test', 'Bob@Example.TEST.'], data)",
                "    assert refused == {}, refused",
                "    try:",
                "        s.sendmail('sender@remote.test', ['x@elsewhere.test'], data)",
                "        print('RELAYED')",
                "    except smtplib.SMTPRecipientsRefused as e:",
                "        print('refused', e.recipients['x@elsewhere.test'][0])",
                "print('ok')");
        String out = run(List.of("python3", "-c", script, Integer.toString(stack.port()), msg.toString()));
        assertTrue(out.contains("refused 554") && out.endsWith("ok\n"), out);
        byte[] a = assertStoredExactly("alice@example.test", MESSAGE);
        byte[] b = assertStoredExactly("bob@example.test", MESSAGE);
        String sa = new String(a, StandardCharsets.UTF_8);
        String sb = new String(b, StandardCharsets.UTF_8);
        assertEquals(sa.substring(sa.indexOf('\n')), sb.substring(sb.indexOf('\n')), "same stored message");
    }

    @Test
    void pythonSmtplibBareLfBytesNormalizedToCrlf() throws Exception {
        requireBinary("python3");
        // smtplib sends bytes as given (lone LFs) and appends CRLF before the final dot because the
        // data does not end in CRLF: what arrives is that, with every line end made CRLF.
        String script = String.join("\n",
                "import smtplib, sys",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30) as s:",
                "    s.sendmail('', ['alice+list@example.test'], b'Subject: lf\\n\\nbare\\nlines\\n')",
                "print('ok')");
        String out = run(List.of("python3", "-c", script, Integer.toString(stack.port())));
        assertTrue(out.endsWith("ok\n"), out);
        List<byte[]> m = stack.messages("alice@example.test");
        assertEquals(1, m.size());
        assertEquals("Subject: lf\r\n\r\nbare\r\nlines\r\n\r\n", RealStack.body(m.get(0)));
    }

    private byte[] assertStoredExactly(String mailbox, String sent) throws Exception {
        List<byte[]> m = stack.messages(mailbox);
        assertEquals(1, m.size(), mailbox + " messages");
        assertEquals(sent, RealStack.body(m.get(0)));
        assertTrue(new String(m.get(0), StandardCharsets.UTF_8).startsWith("Delivered-To: " + mailbox + "\r\n"));
        assertEquals(0, stack.leftoverTempFiles());
        return m.get(0);
    }

    private String swaks(String... extra) throws Exception {
        Path msg = dir.resolve("swaks.eml");
        Files.write(msg, MESSAGE.getBytes(StandardCharsets.UTF_8));
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port",
                Integer.toString(stack.port()), "--helo", "client.test", "--from", "sender@remote.test", "--to",
                "alice@example.test", "--data", msg.toString(), "--timeout", "30"));
        cmd.addAll(List.of(extra));
        return run(cmd);
    }

    static void requireSwaks(boolean tls) throws Exception {
        requireBinary("swaks");
        if (tls) {
            String support = run(List.of("swaks", "--support"));
            ClientTools.require(support.contains("=== TLS supported"),
                    "swaks has no TLS here: libnet-ssleay-perl (Debian) is not installed");
        }
    }

    static void requireBinary(String name) {
        ClientTools.require(name);
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 && !cmd.contains("--support")) {
            throw new AssertionError(cmd.get(0) + " exited " + p.exitValue() + ":\n" + s);
        }
        return s;
    }
}
