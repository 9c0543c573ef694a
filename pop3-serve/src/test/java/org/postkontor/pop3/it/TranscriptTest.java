package org.postkontor.pop3.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.TestCertificates;

/**
 * Runs every {@code transcripts/*.pop3} file against a real listener and a real store, one fresh
 * server and store per file. Format: {@code C:} client line, {@code R:} raw client bytes with
 * {@code \r \n \\} escapes, {@code S:} literal server line, {@code S~:} server line regex, and
 * directives: {@code @config key=value}, {@code @user addr password}, {@code @mail addr octets},
 * {@code @mail-text addr escaped-text}, {@code @connect plain|tls [name]}, {@code @use name},
 * {@code @starttls}, {@code @closed}, {@code @silent ms} (no server line for that long),
 * {@code @sleep ms}, {@code @messages addr n} (the store holds n messages for addr),
 * {@code @drop} (the client closes its socket without QUIT), {@code @lose-bodies} (every stored
 * body file is deleted under the running store: store trouble), {@code @restart} (server and store
 * stopped and opened again on the same data directory). Lines starting with {@code #} are
 * comments; each file starts with a {@code # given:} comment saying what the rule assumes.
 */
class TranscriptTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    @TestFactory
    Stream<DynamicTest> transcripts() throws IOException {
        Path dir = Paths.get("src/test/resources/transcripts");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".pop3")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "transcripts found: " + files.size());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    private static final class Client implements AutoCloseable {
        Socket socket;
        InputStream in;
        OutputStream out;

        Client(Socket s) throws IOException {
            attach(s);
        }

        void attach(Socket s) throws IOException {
            socket = s;
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            in = new BufferedInputStream(s.getInputStream());
            out = s.getOutputStream();
        }

        /** A CRLF-terminated line without CRLF; null at EOF. */
        String readLine() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    byte[] bytes = b.toByteArray();
                    if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                        throw new AssertionError("server line without CRLF: " + b);
                    }
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
                }
                b.write(c);
            }
            return b.size() == 0 ? null : "<partial>" + b;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private void run(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertTrue(!lines.isEmpty() && lines.get(0).startsWith("# given:"),
                file.getFileName() + ": the first line must be a '# given:' comment");
        Pop3Config.Builder config = Pop3Fixture.testConfig();
        int i = 0;
        // directives before the first @connect configure the server and the store
        Map<String, String> users = new HashMap<>();
        try (Pop3Fixture fx = Pop3Fixture.create()) {
            Map<String, Client> clients = new HashMap<>();
            Client current = null;
            boolean started = false;
            int serial = 0;
            try {
                for (String raw : lines) {
                    i++;
                    String where = file.getFileName() + ":" + i + ": ";
                    if (raw.isBlank() || raw.startsWith("#")) {
                        continue;
                    }
                    if (raw.startsWith("@config ")) {
                        String[] kv = raw.substring(8).trim().split("=", 2);
                        configure(config, kv[0], kv[1]);
                    } else if (raw.startsWith("@user ")) {
                        String[] p = raw.substring(6).trim().split(" ", 2);
                        fx.addUser(p[0], p[1]);
                        users.put(p[0], p[1]);
                    } else if (raw.startsWith("@mail ")) {
                        String[] p = raw.substring(6).trim().split(" ");
                        fx.deliverSized(MailAddress.parse(p[0]), Integer.parseInt(p[1]), ++serial);
                    } else if (raw.startsWith("@mail-text ")) {
                        String rest = raw.substring(11).trim();
                        int sp = rest.indexOf(' ');
                        fx.deliver(MailAddress.parse(rest.substring(0, sp)),
                                unescape(rest.substring(sp + 1)).getBytes(StandardCharsets.UTF_8));
                    } else if (raw.startsWith("@messages ")) {
                        String[] p = raw.substring(10).trim().split(" ");
                        assertEquals(Long.parseLong(p[1]), fx.messages(MailAddress.parse(p[0])), where + "messages in " + p[0]);
                    } else if (raw.startsWith("@connect ")) {
                        if (!started) {
                            fx.start(config.build());
                            started = true;
                        }
                        String[] p = raw.substring(9).trim().split(" ");
                        String name = p.length > 1 ? p[1] : "c";
                        Socket s = p[0].equals("tls") ? tlsSocket(fx.server().tlsPort())
                                : new Socket("127.0.0.1", fx.server().plainPort());
                        current = new Client(s);
                        clients.put(name, current);
                    } else if (raw.startsWith("@use ")) {
                        current = clients.get(raw.substring(5).trim());
                    } else if (raw.equals("@starttls")) {
                        SSLSocketFactory f = TestCertificates.trustAllClientContext().getSocketFactory();
                        SSLSocket ssl = (SSLSocket) f.createSocket(current.socket, "localhost",
                                current.socket.getPort(), true);
                        ssl.startHandshake();
                        current.attach(ssl);
                    } else if (raw.equals("@closed")) {
                        String got = current.readLine();
                        assertEquals(null, got, where + "expected the server to close the connection");
                    } else if (raw.startsWith("@silent ")) {
                        current.socket.setSoTimeout(Integer.parseInt(raw.substring(8).trim()));
                        try {
                            String got = current.readLine();
                            fail(where + "expected no reply, got: " + got);
                        } catch (SocketTimeoutException expected) {
                            // nothing came
                        } finally {
                            current.socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
                        }
                    } else if (raw.equals("@drop")) {
                        current.close();
                    } else if (raw.equals("@lose-bodies")) {
                        fx.store().loseBodies();
                    } else if (raw.equals("@restart")) {
                        fx.restart();
                    } else if (raw.startsWith("@sleep ")) {
                        Thread.sleep(Long.parseLong(raw.substring(7).trim()));
                    } else if (raw.startsWith("C: ") || raw.equals("C:")) {
                        current.out.write((raw.length() > 3 ? raw.substring(3) : "").getBytes(StandardCharsets.UTF_8));
                        current.out.write(new byte[] {'\r', '\n'});
                        current.out.flush();
                    } else if (raw.startsWith("R: ")) {
                        current.out.write(unescape(raw.substring(3)).getBytes(StandardCharsets.UTF_8));
                        current.out.flush();
                    } else if (raw.startsWith("S: ") || raw.equals("S:")) {
                        String want = raw.length() > 3 ? raw.substring(3) : "";
                        assertEquals(want, current.readLine(), where + "server line");
                    } else if (raw.startsWith("S~: ")) {
                        String got = current.readLine();
                        String regex = raw.substring(4);
                        assertTrue(got != null && got.matches(regex), where + "server line " + got + " !~ " + regex);
                    } else {
                        fail(where + "unknown transcript line: " + raw);
                    }
                }
            } finally {
                for (Client c : clients.values()) {
                    c.close();
                }
            }
        }
    }

    private static Socket tlsSocket(int port) throws IOException {
        SSLSocket s = (SSLSocket) TestCertificates.trustAllClientContext().getSocketFactory()
                .createSocket("127.0.0.1", port);
        s.startHandshake();
        return s;
    }

    private static void configure(Pop3Config.Builder b, String key, String value) {
        switch (key) {
            case "allow-plaintext-auth" -> b.allowPlaintextAuth(Boolean.parseBoolean(value));
            case "allow-plaintext-auth-loopback" -> b.allowPlaintextAuthOnLoopback(Boolean.parseBoolean(value));
            case "failed-login-delay-ms" -> b.failedLoginDelay(Duration.ofMillis(Long.parseLong(value)));
            case "max-failures-per-user" -> b.maxFailuresPerUser(Integer.parseInt(value));
            case "max-failures-per-address" -> b.maxFailuresPerAddress(Integer.parseInt(value));
            case "login-delay-s" -> b.loginDelay(Duration.ofSeconds(Long.parseLong(value)));
            case "expire-days" -> b.expireDays(Integer.parseInt(value));
            case "idle-timeout-ms" -> b.idleTimeout(Duration.ofMillis(Long.parseLong(value)));
            case "max-connections-per-address" -> b.maxConnectionsPerAddress(Integer.parseInt(value));
            case "max-bad-commands" -> b.maxBadCommands(Integer.parseInt(value));
            case "proxy-protocol" -> b.proxyProtocol(Boolean.parseBoolean(value));
            default -> throw new IllegalArgumentException("unknown transcript config key " + key);
        }
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 'r' -> '\r';
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case '0' -> '\0';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
