package org.postkontor.deploy.authcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.deploy.metrics.StoreMeters;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.netty.NettyPop3Server;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;

/**
 * The auth cache as a POP3 client meets it: the real store with the real Argon2id hasher, the real
 * POP3 server on 127.0.0.1:0, Python's poplib logging in, the hits and misses read from the
 * Prometheus binding.
 */
class AuthCacheEndToEndTest {

    private static final String LOGIN = """
            import poplib, sys
            p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=60)
            p.user(sys.argv[2])
            try:
                p.pass_(sys.argv[3])
            except poplib.error_proto as e:
                print('ERR', flush=True)
                sys.exit(0)
            print('OK', p.stat()[0], flush=True)
            p.quit()
            """;

    static final MailAddress ALICE = MailAddress.parse("alice@example.test");

    @TempDir
    Path dir;
    MeterRegistry registry;
    Store store;
    Pop3Server pop3;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("login.py"), LOGIN);
        registry = new SimpleMeterRegistry();
        StoreConfig under = StoreConfig.under(dir.resolve("data"));
        StoreConfig config = new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0)
                .withAuthCache(Duration.ofHours(1), 100);
        store = EmbeddedStore.open(config, new Argon2idPasswordHasher(Argon2Params.DEFAULT), Clock.systemUTC(),
                new StoreMeters(registry));
        store.admin().addDomain("example.test");
        store.admin().addUser(ALICE, "s3cret pass".toCharArray(), Quota.NONE);
        pop3 = new NettyPop3Server(Pop3Config.builder().bindAddress("127.0.0.1").plainPort(0).tlsPort(-1)
                .allowPlaintextAuthOnLoopback(true).failedLoginDelay(Duration.ZERO).build(), store.maildrops(),
                store.accounts(), Pop3Metrics.NOOP, Clock.systemUTC(), null);
        pop3.start();
    }

    @AfterEach
    void stop() {
        if (pop3 != null) {
            pop3.stop(Duration.ofSeconds(5));
        }
        if (store != null) {
            store.close();
        }
    }

    private String login(String user, String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", dir.resolve("login.py").toString(), String.valueOf(pop3.plainPort()),
                user, password).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("poplib did not finish");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private double count(String result) {
        return registry.get("postkontor.store.auth.cache.lookups").tag("result", result).counter().count();
    }

    @Test
    void repeatedLoginsHitWrongPasswordsAndChangedPasswordsDoNot() throws Exception {
        assertEquals("OK 0", login("alice@example.test", "s3cret pass"));
        assertEquals("OK 0", login("alice@example.test", "s3cret pass"));
        assertEquals("OK 0", login("Alice@Example.Test", "s3cret pass"));
        assertEquals(2.0, count("hit"));
        assertEquals(1.0, count("miss"));

        assertEquals("ERR", login("alice@example.test", "s3cret pas"));
        assertEquals(2.0, count("hit"), "a wrong password is never answered from the cache");
        assertEquals(2.0, count("miss"));

        store.admin().setPassword(ALICE, "n3w pass".toCharArray());
        assertEquals("ERR", login("alice@example.test", "s3cret pass"));
        assertEquals("OK 0", login("alice@example.test", "n3w pass"));
        assertEquals("OK 0", login("alice@example.test", "n3w pass"));
        assertEquals(3.0, count("hit"));
        assertEquals(4.0, count("miss"));

        store.admin().setEnabled(ALICE, false);
        assertEquals("ERR", login("alice@example.test", "n3w pass"));
        assertEquals(3.0, count("hit"));
    }
}
