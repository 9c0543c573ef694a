package org.postkontor.pop3.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.store.MailAddress;

/**
 * Bodies larger than one write, on a real socket: pipelined behind each other and behind commands
 * answered at once, read by a client that is slow to read (so the server's channel stops being
 * writable and the body waits), they arrive whole, dot-stuffed and in order, on either backend.
 */
class LargeBodiesTest {

    /** A message of about {@code kib} KiB whose lines start with a dot every so often. */
    private static String message(int n, int kib) {
        StringBuilder b = new StringBuilder("Subject: large " + n + "\r\n\r\n");
        int line = 0;
        while (b.length() < kib * 1024) {
            b.append(line % 7 == 0 ? "." : "").append(("m" + n + "-" + line + " ").repeat(8)).append("\r\n");
            line++;
        }
        return b.toString();
    }

    private static String stuffed(String text) {
        StringBuilder b = new StringBuilder();
        for (String l : text.substring(0, text.length() - 2).split("\r\n", -1)) {
            b.append(l.startsWith(".") ? "." : "").append(l).append("\r\n");
        }
        return b.toString();
    }

    @Test
    void pipelinedLargeBodiesReadSlowlyArriveWholeAndInOrder() throws Exception {
        try (Pop3Fixture f = Pop3Fixture.create()) {
            MailAddress alice = f.addUser("alice@example.test", "secret");
            String[] messages = {message(1, 600), message(2, 20), message(3, 1200)};
            for (String m : messages) {
                f.deliver(alice, m.getBytes(StandardCharsets.US_ASCII));
            }
            Pop3Server server = f.start(Pop3Fixture.testConfig().build());
            String deliveredTo = "Delivered-To: alice@example.test\r\n";
            StringBuilder expected = new StringBuilder();
            for (int n : new int[] {3, 2, 1}) {
                String m = messages[n - 1];
                expected.append("+OK ").append(deliveredTo.length() + m.length()).append(" octets\r\n")
                        .append(stuffed(deliveredTo + m)).append(".\r\n");
                expected.append("+OK ").append(n).append(' ').append(deliveredTo.length() + m.length()).append("\r\n");
            }
            expected.append("+OK message 1 deleted\r\n+OK Postkontor POP3 server signing off (2 messages left)\r\n");

            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", server.plainPort()), 5000);
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write("USER alice@example.test\r\nPASS secret\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int lines = 0; lines < 3; ) { // greeting, USER's and PASS's replies
                    int c = in.read();
                    assertEquals(true, c >= 0);
                    lines += c == '\n' ? 1 : 0;
                }
                // logged in and idle: RETR 3 is answered on the event loop, what follows it waits
                out.write(("RETR 3\r\nLIST 3\r\nRETR 2\r\nLIST 2\r\nRETR 1\r\nLIST 1\r\nDELE 1\r\nQUIT\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                int r;
                int reads = 0;
                while ((r = in.read(buf)) > 0) {
                    got.write(buf, 0, r);
                    if (++reads % 16 == 0) {
                        Thread.sleep(2); // slow to read: the server's writes back up
                    }
                }
                assertEquals(expected.length(), got.size());
                assertArrayEquals(expected.toString().getBytes(StandardCharsets.US_ASCII), got.toByteArray());
            }
            assertEquals(2, f.messages(alice));
        }
    }
}
