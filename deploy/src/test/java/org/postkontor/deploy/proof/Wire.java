package org.postkontor.deploy.proof;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import org.postkontor.store.testing.TestCertificates;

/**
 * A raw line client for SMTP and POP3 that sends exactly the bytes it is given (NULs, bad numbers,
 * long lines) and keeps a copy of every byte it receives, so a test can search everything a
 * session ever saw.
 */
final class Wire implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream seen;

    /** {@code seen} collects every received byte; null to keep nothing. */
    Wire(int port, boolean tls, int timeoutMillis, ByteArrayOutputStream seen) throws IOException {
        this("127.0.0.1", port, tls, timeoutMillis, seen);
    }

    /** To {@code host} (an address literal: 127.0.0.1, ::1). */
    Wire(String host, int port, boolean tls, int timeoutMillis, ByteArrayOutputStream seen) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), 10_000);
            plain.setSoTimeout(timeoutMillis);
            if (tls) {
                SSLSocket s = (SSLSocket) TestCertificates.trustAllClientContext().getSocketFactory()
                        .createSocket(plain, host, port, true);
                s.setSoTimeout(timeoutMillis);
                s.startHandshake();
                socket = s;
            } else {
                socket = plain;
            }
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
        in = new BufferedInputStream(socket.getInputStream(), 16384);
        out = socket.getOutputStream();
        this.seen = seen;
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(String line) throws IOException {
        sendRaw((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    /** One line without its CRLF; IOException on EOF. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (seen != null) {
                seen.write(c);
            }
            if (c == '\n') {
                byte[] l = b.toByteArray();
                int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                return new String(l, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (b.size() > 1_000_000) {
                throw new IOException("line too long");
            }
            b.write(c);
        }
        throw new IOException("connection closed");
    }

    /** The body of a POP3 multi-line reply after its +OK line, dot-unstuffed, lines joined with CRLF. */
    String multiLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String l = line();
            if (l.equals(".")) {
                return sb.toString();
            }
            sb.append(l.startsWith(".") ? l.substring(1) : l).append("\r\n");
        }
    }

    /** Sends a POP3 command and returns its first reply line. */
    String pop(String command) throws IOException {
        send(command);
        return line();
    }

    /** Reads an SMTP reply (all its lines) and returns the last line. */
    String smtpReply() throws IOException {
        String l;
        do {
            l = line();
        } while (l.length() > 3 && l.charAt(3) == '-');
        return l;
    }

    /** The SMTP command last sent (for diagnostics). */
    String lastCommand = "";

    String smtp(String command) throws IOException {
        lastCommand = command.length() > 12 ? command.substring(0, 12) : command;
        send(command);
        return smtpReply();
    }

    /** True if the peer closed the connection (reads until EOF or timeout). */
    boolean closedByPeer() {
        try {
            while (in.read() != -1) {
                // drain
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last SMTP reply {@link #sendMail} got. */
    String lastReply = "";

    /** One SMTP transaction on an open session after EHLO; true on 250 after DATA. */
    boolean sendMail(String from, String rcpt, byte[] message) throws IOException {
        if (!(lastReply = smtp("MAIL FROM:<" + from + ">")).startsWith("2")
                || !(lastReply = smtp("RCPT TO:<" + rcpt + ">")).startsWith("2")) {
            smtp("RSET");
            return false;
        }
        if (!(lastReply = smtp("DATA")).startsWith("3")) {
            return false;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(message.length + 64);
        int lineStart = 0;
        for (int i = 0; i < message.length; i++) {
            if (i == lineStart && message[i] == '.') {
                b.write('.');
            }
            b.write(message[i]);
            if (message[i] == '\n') {
                lineStart = i + 1;
            }
        }
        b.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        lastCommand = "end of data";
        sendRaw(b.toByteArray());
        lastReply = smtpReply();
        return lastReply.startsWith("2");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
