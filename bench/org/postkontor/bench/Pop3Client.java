package org.postkontor.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal POP3 client for the load tool ({@code bench/MailBench.java}, which the Java launcher
 * compiles together with this directory) and the appliance's crash driver (compiled with deploy's
 * tests): one command at a time, RETR un-dot-stuffed to exactly the octets the server counts. Needs
 * only the JDK. Not thread-safe.
 */
public final class Pop3Client implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] block = new byte[65536];

    /**
     * Connects to {@code host:port} (over TLS from {@code tls} when it is not null) and reads the
     * greeting; {@code timeout} bounds every read, the TLS handshake's too.
     */
    public Pop3Client(String host, int port, SSLSocketFactory tls, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout((int) timeout.toMillis());
            s.setTcpNoDelay(true);
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.createSocket(s, host, port, true);
                ssl.startHandshake();
                s = ssl;
            }
            in = new BufferedInputStream(s.getInputStream(), 65536);
            out = new BufferedOutputStream(s.getOutputStream());
            if (!Lines.read(in).startsWith("+OK")) {
                throw new IOException("no POP3 greeting");
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        socket = s;
    }

    /** USER and PASS; false if either was refused (a wrong password, a maildrop in use). */
    public boolean login(String user, String password) throws IOException {
        return send("USER " + user).startsWith("+OK") && send("PASS " + password).startsWith("+OK");
    }

    /** The message count STAT gives. */
    public int stat() throws IOException {
        return Integer.parseInt(ok("STAT").split(" ")[1]);
    }

    /** Sends {@code command} and returns its +OK line; an IOException naming it on -ERR. */
    public String ok(String command) throws IOException {
        String line = send(command);
        if (!line.startsWith("+OK")) {
            throw new IOException(command.split(" ")[0] + " answered " + line);
        }
        return line;
    }

    /** A multi-line command (LIST, UIDL): its listing is read and thrown away. */
    public void multi(String command) throws IOException {
        ok(command);
        while (!Lines.read(in).equals(".")) {
            // discard the listing
        }
    }

    /**
     * RETR n, un-dot-stuffed, exactly as the server counts it. Read in blocks: one command at a
     * time, so nothing follows the terminating dot line until the next command.
     */
    public byte[] retr(int n) throws IOException {
        String status = ok("RETR " + n);
        String[] words = status.split(" ");
        int octets = words.length > 1 && words[1].matches("[0-9]{1,9}") ? Integer.parseInt(words[1]) : 16384;
        return undotted(in, block, octets);
    }

    /**
     * A dot-stuffed multi-line body from {@code in} (which supports mark), up to and without its
     * terminating dot line, un-stuffed; {@code buf} is scratch space, {@code expected} the size to
     * start with.
     */
    public static byte[] undotted(InputStream in, byte[] buf, int expected) throws IOException {
        byte[] body = new byte[Math.max(expected, 16)];
        int len = 0;
        boolean lineStart = true;
        while (true) {
            int r = in.read(buf, 0, buf.length);
            if (r < 0) {
                throw new IOException("connection closed in RETR");
            }
            for (int i = 0; i < r; i++) {
                byte b = buf[i];
                if (lineStart && b == '.') {
                    // the terminator ".\r\n", or a dot-stuffed line: the dot is not content
                    lineStart = false;
                    if (i + 1 < r ? buf[i + 1] == '\r' : peekIs(in, '\r')) {
                        if (i + 2 < r ? buf[i + 2] == '\n' : true) {
                            int rest = r - i - 1;
                            int need = 2 - Math.min(rest, 2);
                            for (int k = 0; k < need; k++) {
                                in.read();
                            }
                            return len == body.length ? body : java.util.Arrays.copyOf(body, len);
                        }
                    }
                    continue;
                }
                if (len == body.length) {
                    body = java.util.Arrays.copyOf(body, body.length * 2);
                }
                body[len++] = b;
                lineStart = b == '\n';
            }
        }
    }

    /** True if the next octet on the stream (not consumed) is {@code c}. */
    private static boolean peekIs(InputStream in, char c) throws IOException {
        in.mark(1);
        int b = in.read();
        in.reset();
        return b == c;
    }

    private String send(String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return Lines.read(in);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
