package org.postkontor.submit.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.postkontor.store.testing.TestCertificates;

/** A line-level SMTP client for transcripts: plain, STARTTLS or implicit TLS. */
public final class TlsClient implements AutoCloseable {

    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    public TlsClient(int port, boolean implicitTls) throws IOException {
        this(port, implicitTls, new byte[0]);
    }

    /** A client behind a balancer: {@code proxyHeader} (PROXY protocol) goes first, before any TLS. */
    public TlsClient(int port, boolean implicitTls, byte[] proxyHeader) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(proxyHeader);
        socket.getOutputStream().flush();
        if (implicitTls) {
            socket = wrap(socket);
        }
        streams();
    }

    private static Socket wrap(Socket s) throws IOException {
        SSLSocket t = (SSLSocket) TestCertificates.trustAllClientContext().getSocketFactory()
                .createSocket(s, "127.0.0.1", s.getPort(), true);
        t.startHandshake();
        return t;
    }

    private void streams() throws IOException {
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /**
     * Reads the greeting, says EHLO and logs in with AUTH PLAIN as alice (the
     * {@link SubmissionStack}'s user); returns the reply to AUTH.
     */
    public String greetAndLogIn() throws IOException {
        reply();
        send("EHLO client.example");
        reply();
        send("AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0alice@example.test\0"
                + SubmissionStack.PASSWORD).getBytes(StandardCharsets.UTF_8)));
        return line();
    }

    /** Puts TLS on the connection (after the server's 220 to STARTTLS). */
    public void startTls() throws IOException {
        socket = wrap(socket);
        streams();
    }

    public void send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    public String line() throws IOException {
        String l = in.readLine();
        if (l == null) {
            throw new IOException("connection closed");
        }
        return l;
    }

    /** One whole reply (all its lines). */
    public List<String> reply() throws IOException {
        List<String> r = new ArrayList<>();
        String l;
        do {
            l = line();
            r.add(l);
        } while (l.length() > 3 && l.charAt(3) == '-');
        return r;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
