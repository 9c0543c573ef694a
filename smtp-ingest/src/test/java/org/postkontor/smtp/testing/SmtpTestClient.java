package org.postkontor.smtp.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A raw line client for protocol tests: bytes as given, replies line by line, STARTTLS on demand. */
public final class SmtpTestClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public SmtpTestClient(int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public void send(String line) throws IOException {
        raw((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public void raw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** One reply line without CRLF, or null at end of stream. */
    public String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            if (c == '\n' && prev == '\r') {
                byte[] a = b.toByteArray();
                return new String(a, 0, a.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
            prev = c;
            if (b.size() > 100_000) {
                throw new IOException("reply line too long");
            }
        }
    }

    /** All lines of one reply (until a line with a space after the code). */
    public java.util.List<String> reply() throws IOException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String l = line();
            if (l == null) {
                throw new IOException("connection closed; got " + lines);
            }
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                return lines;
            }
        }
        throw new IOException("endless reply");
    }

    /** True if the server closed the connection (EOF or reset) before the timeout. */
    public boolean closedByServer() throws IOException {
        try {
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    public void startTls(SSLContext client) throws IOException {
        SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    /**
     * One whole transaction on a new connection: greeting, EHLO, MAIL, RCPT (which must get 250),
     * DATA with {@code message} (CRLF line ends, no line starting with a dot), QUIT. Returns the
     * reply to the end of the data.
     */
    public static String transaction(int port, String helo, String from, String rcpt, String message)
            throws IOException {
        try (SmtpTestClient c = new SmtpTestClient(port, 30_000)) {
            c.reply();
            c.send("EHLO " + helo);
            c.reply();
            c.send("MAIL FROM:<" + from + ">");
            c.reply();
            c.send("RCPT TO:<" + rcpt + ">");
            String r = c.reply().getFirst();
            if (!r.startsWith("250")) {
                throw new IOException("RCPT TO:<" + rcpt + "> got " + r);
            }
            c.send("DATA");
            c.reply();
            c.raw((message + ".\r\n").getBytes(StandardCharsets.UTF_8));
            String end = c.reply().getFirst();
            c.send("QUIT");
            return end;
        }
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
