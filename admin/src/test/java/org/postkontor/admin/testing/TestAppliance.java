package org.postkontor.admin.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.admin.api.AdminHttpApi;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.netty.NettyPop3Server;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;

/**
 * The appliance's admin side as the test needs it running: the real store on a data directory,
 * the badmail queue, the admin HTTP API on 127.0.0.1:0 with its token file, the PID file naming
 * this (live) JVM, and optionally POP3 on 127.0.0.1:0 without TLS (plaintext login allowed on
 * loopback). Nothing is mocked.
 */
public final class TestAppliance implements AutoCloseable {

    /** Where the admin CLI finds the appliance's PID file in a data directory. */
    public static final String PID_FILE = TestCli.PID_FILE;

    /** What the test appliance tells mail clients. */
    public static final ClientSetup CLIENTS = ClientSetup.pop3s("mail.example.test", 995);

    private final Path dataDir;
    private final Store store;
    private final BadmailQueue badmail;
    private final AdminToken token;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Pop3Server pop3;

    private TestAppliance(Path dataDir, boolean withPop3) throws IOException, StoreException {
        this.dataDir = dataDir;
        Clock clock = Clock.systemUTC();
        StoreConfig under = StoreConfig.under(dataDir);
        this.store = EmbeddedStore.open(new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0),
                new Argon2idPasswordHasher(Argon2Params.DEFAULT), clock, StoreMetrics.NOOP);
        this.badmail = BadmailQueue.over(store, BadmailConfig.DEFAULTS, clock, BadmailMetrics.NOOP);
        this.token = AdminToken.ensure(dataDir);
        if (withPop3) {
            pop3 = new NettyPop3Server(Pop3Config.builder().bindAddress("127.0.0.1").plainPort(0).tlsPort(-1)
                    .allowPlaintextAuthOnLoopback(true).failedLoginDelay(Duration.ZERO).build(), store.maildrops(),
                    store.accounts(), Pop3Metrics.NOOP, clock, null);
            pop3.start();
        } else {
            pop3 = null;
        }
        AdminApi.ApplianceState listeners = () -> pop3 == null ? List.of()
                : List.of(new AdminApi.Listener("pop3", "127.0.0.1", pop3.plainPort(), "stls-off"));
        AdminApi api = new AdminApi(store, badmail, listeners, "running", CLIENTS);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setExecutor(executor);
        http.createContext(AdminApi.PREFIX, new AdminHttpApi(api, token));
        http.start();
        Files.writeString(dataDir.resolve(PID_FILE), ProcessHandle.current().pid() + "\n");
    }

    public static TestAppliance start(Path dataDir, boolean withPop3) throws IOException, StoreException {
        return new TestAppliance(dataDir, withPop3);
    }

    public Store store() {
        return store;
    }

    public BadmailQueue badmail() {
        return badmail;
    }

    public URI api() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    public int pop3Port() {
        return pop3.plainPort();
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(dataDir.resolve(PID_FILE));
        http.stop(0);
        executor.close();
        if (pop3 != null) {
            pop3.stop(Duration.ofSeconds(5));
        }
        store.close();
    }
}
