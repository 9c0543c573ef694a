package org.postkontor.pop3.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.netty.NettyPop3Server;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.TestCertificates;

/**
 * A real store in a temp directory and a real POP3 server on 127.0.0.1 port 0 (plain + STLS and
 * implicit TLS), with a self-signed certificate. For integration tests.
 */
public final class Pop3Fixture implements AutoCloseable {

    public static final TestCertificates CERTS = TestCertificates.selfSigned("localhost");

    private final TempStore store;
    private final SSLContext ssl = CERTS.serverContext();
    private Pop3Config config;
    private Pop3Server server;
    private final Pop3Metrics metrics;

    private Pop3Fixture(TempStore store, Pop3Metrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    public static Pop3Fixture create() throws IOException, StoreException {
        return create(Pop3Metrics.NOOP);
    }

    public static Pop3Fixture create(Pop3Metrics metrics) throws IOException, StoreException {
        return new Pop3Fixture(TempStore.create(Clock.systemUTC(), StoreMetrics.NOOP), metrics);
    }

    /** Test defaults: ports 0, plaintext allowed on loopback, no failed-login delay. */
    public static Pop3Config.Builder testConfig() {
        return Pop3Config.builder().plainPort(0).tlsPort(0).allowPlaintextAuthOnLoopback(true)
                .failedLoginDelay(Duration.ZERO);
    }

    public Pop3Server start(Pop3Config config) throws IOException {
        this.config = config;
        server = new NettyPop3Server(config, store.store().maildrops(), store.store().accounts(), metrics,
                Clock.systemUTC(), ssl);
        server.start();
        return server;
    }

    /** Stops the server and the store, opens the store again on the same files, starts again. */
    public Pop3Server restart() throws IOException, StoreException {
        Pop3Config same = config.toBuilder().plainPort(server.plainPort()).tlsPort(server.tlsPort()).build();
        server.stop(Duration.ofSeconds(2));
        store.restart();
        return start(same);
    }

    public Pop3Server server() {
        return server;
    }

    public TempStore store() {
        return store;
    }

    public MailAddress addUser(String address, String password) throws StoreException {
        return store.addUser(address, password);
    }

    /** Delivers raw bytes (CRLF line ends expected). */
    public void deliver(MailAddress to, byte[] message) throws StoreException {
        store.store().spool().deliver(java.util.List.of(to), new java.io.ByteArrayInputStream(message));
    }

    /**
     * Delivers a message that POP3 will count as exactly {@code octets} octets (the store's
     * Delivered-To line included).
     */
    public void deliverSized(MailAddress to, int octets, int serial) throws StoreException {
        int prefix = ("Delivered-To: " + to + "\r\n").length();
        String head = "Subject: test message " + serial + "\r\n\r\n";
        int fill = octets - prefix - head.length() - 2;
        if (fill < 0) {
            throw new IllegalArgumentException("message too small: " + octets);
        }
        String body = head + "x".repeat(fill) + "\r\n";
        deliver(to, body.getBytes(StandardCharsets.US_ASCII));
    }

    public long messages(MailAddress user) throws StoreException {
        return store.store().admin().user(user).orElseThrow().messages();
    }

    public Path pemDir(Path dir) {
        CERTS.writePem(dir);
        return dir.resolve("cert.pem");
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.stop(Duration.ofSeconds(2));
            }
        } finally {
            store.close();
        }
    }
}
