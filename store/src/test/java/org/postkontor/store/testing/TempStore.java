package org.postkontor.store.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.postgresql.PostgresConfig;
import org.postkontor.store.postgresql.PostgresStore;

/**
 * A real store in a fresh temp directory, for tests of every module: the embedded one (spool files,
 * accounts journal, badmail files), or with {@code -Dpostkontor.test.store=postgresql} the
 * postgresql backend on a schema of its own in the test JVM's {@link TestPostgres#shared() shared
 * PostgreSQL} (the modules' Surefire runs their tests once on each). Passwords are hashed by {@link PlainTestHasher}. {@link #close()} closes the store
 * and deletes the directory {@link #create()} made.
 *
 * <pre>{@code
 * try (TempStore t = TempStore.create()) {
 *     MailAddress alice = t.addUser("alice@example.test", "secret");
 *     t.deliver(alice, "Subject: hi\r\n\r\nbody\r\n");
 *     Store store = t.store();
 * }
 * }</pre>
 */
public final class TempStore implements AutoCloseable {

    private final Path dataDir;
    private final StoreConfig config;
    private final Clock clock;
    private final StoreMetrics metrics;
    private final boolean ownsDir;
    private Store store;

    private TempStore(Path dataDir, StoreConfig config, Clock clock, StoreMetrics metrics, boolean ownsDir)
            throws StoreException {
        this.dataDir = dataDir;
        this.ownsDir = ownsDir;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.store = openStore();
    }

    /** The backend the tests of this JVM run on: {@code embedded} or {@code postgresql}. */
    public static String backend() {
        return System.getProperty("postkontor.test.store", "embedded");
    }

    public static boolean onPostgres() {
        return "postgresql".equals(backend());
    }

    /** Waits until the store has deleted the body files of the removals so far (embedded store). */
    public void awaitBodyDeletions() {
        if (store instanceof EmbeddedStore embedded) {
            embedded.awaitBodyDeletions();
        }
    }

    private Store openStore() throws StoreException {
        if (!onPostgres()) {
            return EmbeddedStore.open(config, new PlainTestHasher(), clock, metrics);
        }
        try {
            PostgresConfig db = TestPostgres.shared().createSchema(schema());
            return PostgresStore.open(db, config, new PlainTestHasher(), clock, metrics);
        } catch (IOException | SQLException e) {
            throw new StoreException("cannot start the test PostgreSQL", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted", e);
        }
    }

    /** This data directory's schema in the shared PostgreSQL (the same for a reopened directory). */
    private String schema() {
        return "t_" + Integer.toHexString(dataDir.toAbsolutePath().normalize().toString().hashCode());
    }

    /** A store under a new temp directory, free-disk reserve 0, system clock, no metrics. */
    public static TempStore create() throws IOException, StoreException {
        return create(Clock.systemUTC(), StoreMetrics.NOOP);
    }

    public static TempStore create(Clock clock, StoreMetrics metrics) throws IOException, StoreException {
        Path dir = Files.createTempDirectory("postkontor-store-");
        try {
            return new TempStore(dir, config(dir), clock, metrics, true);
        } catch (StoreException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /**
     * A store under an existing or new {@code dataDir} (spool/, index/, badmail/), free-disk
     * reserve 0. {@link #close()} keeps that directory (for tests that reopen it).
     */
    public static TempStore open(Path dataDir, Clock clock, StoreMetrics metrics) throws StoreException {
        return new TempStore(dataDir, config(dataDir), clock, metrics, false);
    }

    private static StoreConfig config(Path dataDir) {
        StoreConfig under = StoreConfig.under(dataDir);
        return new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0);
    }

    public Store store() {
        return store;
    }

    public Path dataDir() {
        return dataDir;
    }

    public StoreConfig config() {
        return config;
    }

    /** Closes the store and opens it again on the same files (the indexes are built again). */
    public Store restart() throws StoreException {
        store.close();
        store = openStore();
        return store;
    }

    /** Adds a user (and its domain if new) without quota. */
    public MailAddress addUser(String address, String password) throws StoreException {
        return addUser(address, password, Administration.Quota.NONE);
    }

    public MailAddress addUser(String address, String password, Administration.Quota quota) throws StoreException {
        MailAddress a = MailAddress.parse(address);
        Administration admin = store.admin();
        boolean hosted = admin.domains().stream().anyMatch(d -> d.name().equals(a.domain()));
        if (!hosted) {
            admin.addDomain(a.domain());
        }
        admin.addUser(a, password.toCharArray(), quota);
        return a;
    }

    /** Delivers a message given as text (UTF-8) to the mailboxes. */
    public Receipt deliver(List<MailAddress> mailboxes, String message) throws StoreException {
        return store.spool().deliver(mailboxes, new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    public Receipt deliver(MailAddress mailbox, String message) throws StoreException {
        return deliver(List.of(mailbox), message);
    }

    /**
     * Makes every stored message body unreadable behind the store's back, as a lost disk or a
     * damaged database would: the body files, or the body rows' bytes.
     */
    public void loseBodies() throws IOException {
        if (onPostgres()) {
            try {
                TestPostgres.shared().execute("DELETE FROM " + schema() + ".body_chunks");
            } catch (SQLException e) {
                throw new IOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return;
        }
        Path msg = dataDir.resolve("spool").resolve("msg");
        try (Stream<Path> s = Files.walk(msg)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Closes the store; deletes the directory if {@link #create()} made it. */
    @Override
    public void close() {
        try {
            store.close();
        } finally {
            if (ownsDir) {
                deleteTree(dataDir);
                if (onPostgres()) {
                    try {
                        TestPostgres.shared().dropSchema(schema());
                    } catch (IOException | SQLException e) {
                        // the throw-away cluster goes with the JVM
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
