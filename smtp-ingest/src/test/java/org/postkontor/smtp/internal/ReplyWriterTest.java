package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;

/** The reply rewriter on its own: codes added, EHLO extended, replies whole however they are written. */
class ReplyWriterTest {

    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    private final Connection conn = new Connection(SmtpConfig.builder().hostname("mx.test").tarpitDelay(Duration.ZERO)
            .tarpitStep(Duration.ZERO).tarpitLimit(3).build(), SmtpMetrics.NOOP, Clock.systemUTC(), new Socket());
    private final ReplyWriter w = new ReplyWriter(wire, conn, false);

    private String send(String reply, int chunk) throws IOException {
        wire.reset();
        byte[] b = (reply + "\r\n").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += chunk) {
            w.write(b, i, Math.min(chunk, b.length - i));
        }
        w.flush();
        return wire.toString(StandardCharsets.UTF_8);
    }

    @Test
    void greetingAndEhloAreExemptAndEhloGetsTheKeywords() throws IOException {
        assertEquals("220 mx.test ESMTP Postkontor\r\n", send("220 mx.test ESMTP Postkontor", 1));
        assertEquals("250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 Ok\r\n",
                send("250-mx.test\r\n250-8BITMIME\r\n250 Ok", 3));
        assertEquals("250 mx.test\r\n", send("250 mx.test", 100));
    }

    @Test
    void libraryRepliesGetCodesOursKeepTheirs() throws IOException {
        send("220 mx.test ESMTP Postkontor", 64);
        conn.okHint("2.1.0");
        assertEquals("250 2.1.0 Ok\r\n", send("250 Ok", 2));
        assertEquals("250 2.0.0 Ok\r\n", send("250 Ok", 7));
        assertEquals("503 5.5.1 Error: need RCPT command\r\n", send("503 Error: need RCPT command", 5));
        assertEquals("354 End data with <CR><LF>.<CR><LF>\r\n", send("354 End data with <CR><LF>.<CR><LF>", 1));
        assertEquals("550 5.1.1 No such user here\r\n", send("550 5.1.1 No such user here", 4));
        assertEquals("214-2.0.0 a\r\n214 2.0.0 b\r\n", send("214-a\r\n214 b", 1));
    }

    @Test
    void bareLfInsideAReplyBecomesCrlf() throws IOException {
        send("220 mx.test ESMTP Postkontor", 64);
        assertEquals("214-2.0.0 EXPN\r\n214-2.0.0     The expn command.\r\n214 2.0.0 End of EXPN info\r\n",
                send("214-EXPN\n214-    The expn command.\n214 End of EXPN info", 5));
    }

    @Test
    void linesWithoutACodeInsideAReplyGetTheReplysCode() throws IOException {
        send("220 mx.test ESMTP Postkontor", 64);
        assertEquals("214-2.0.0 AUTH <mechanism>\r\n214-2.0.0 mechanism = a SASL mechanism,\r\n"
                + "214 2.0.0 End of AUTH info\r\n",
                send("214-AUTH <mechanism>\n\t mechanism = a SASL mechanism,\n214 End of AUTH info", 3));
    }

    @Test
    void clientBytesEchoedByTheLibraryAreMadePrintable() throws IOException {
        send("220 mx.test ESMTP Postkontor", 64);
        String got = send("501 5.5.4 Syntax: MAIL FROM: <address>  Error in parameters: \"E\u00e4\u0085\u0001<a\"", 4);
        assertEquals("501 5.5.4 Syntax: MAIL FROM: <address>  Error in parameters: \"E???<a\"\r\n", got);
    }

    @Test
    void tarpitLimitAppends421() throws IOException {
        send("220 mx.test ESMTP Postkontor", 64);
        send("500 Error: command not implemented", 64);
        send("500 Error: command not implemented", 64);
        assertEquals("500 5.5.2 Error: command not implemented\r\n421 4.7.0 Too many errors, closing connection\r\n",
                send("500 Error: command not implemented", 64));
    }

    /** RFC 5321 §4.5.3.1.5: the library's echo of long client input is cut to 512 octets with CRLF. */
    @Test
    void aLongEchoIsCutTo512Octets() throws IOException {
        send("220 mx.test ESMTP Postkontor", 64);
        String echo = "501 Syntax: RCPT TO: <address>  Error in parameters: \"" + "p".repeat(900) + "\"";
        String out = send(echo, 100);
        assertEquals(512, out.length(), out);
        assertEquals("501 5.5.4 Syntax: RCPT TO: <address>  Error in parameters: \"ppp", out.substring(0, 63));
        assertEquals("ppp...\r\n", out.substring(504));
    }

    /** Bulk writes give exactly what byte-by-byte writes give, long lines and bare LFs included. */
    @Test
    void bulkWritesEqualByteWrites() throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(2920);
        String[] pieces = {"250 Ok", "250-mx.test", "250 mx.test", "550 No such user", "214-a", "214 b", "x",
                "503 Error: need RCPT command", "421 4.4.2 bye", "5".repeat(5000), "250 " + "y".repeat(4095), "\t\u00e9"};
        for (int round = 0; round < 300; round++) {
            StringBuilder text = new StringBuilder();
            int lines = 1 + random.nextInt(6);
            for (int k = 0; k < lines; k++) {
                text.append(pieces[random.nextInt(pieces.length)]).append(random.nextInt(4) == 0 ? "\n" : "\r\n");
            }
            byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream oneWire = new ByteArrayOutputStream();
            ByteArrayOutputStream bulkWire = new ByteArrayOutputStream();
            ReplyWriter one = new ReplyWriter(oneWire, newConnection(), false);
            ReplyWriter bulk = new ReplyWriter(bulkWire, newConnection(), false);
            for (byte x : b) {
                one.write(x);
            }
            for (int i = 0; i < b.length; ) {
                int n = Math.min(b.length - i, 1 + random.nextInt(random.nextBoolean() ? 8 : 9000));
                bulk.write(b, i, n);
                i += n;
            }
            one.flush();
            bulk.flush();
            assertEquals(oneWire.toString(StandardCharsets.UTF_8), bulkWire.toString(StandardCharsets.UTF_8));
        }
    }

    private static Connection newConnection() {
        return new Connection(SmtpConfig.builder().hostname("mx.test").tarpitDelay(Duration.ZERO)
                .tarpitStep(Duration.ZERO).tarpitLimit(1000).build(), SmtpMetrics.NOOP, Clock.systemUTC(), new Socket());
    }
}
