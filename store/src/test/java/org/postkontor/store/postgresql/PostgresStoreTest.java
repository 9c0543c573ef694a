package org.postkontor.store.postgresql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Administration;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.DkimKey;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.Receipt;
import org.postkontor.store.Resolution;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.Await;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TestPostgres;

/**
 * The postgresql backend as several nodes see it: each "node" is a store of its own on the same
 * schema of a real PostgreSQL (Debian's, a throw-away cluster). What one store does alone is the
 * protocol modules' test suites' business (they run on this backend too).
 */
class PostgresStoreTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");

    @TempDir
    Path dir;

    private TestPostgres pg;
    private String schema;
    private PostgresConfig db;
    private final List<Store> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        pg = TestPostgres.shared();
        schema = "nodes_" + Long.toHexString(System.nanoTime());
        db = pg.createSchema(schema);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Store s : nodes) {
            s.close();
        }
        if (pg == TestPostgres.shared()) {
            pg.dropSchema(schema);
        } else {
            pg.close();
        }
    }

    private Store node() throws Exception {
        Path local = Files.createTempDirectory(dir, "node-");
        StoreConfig under = StoreConfig.under(local);
        Store s = PostgresStore.open(db, new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0),
                new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
        nodes.add(s);
        return s;
    }

    private static Receipt deliver(Store s, MailAddress to, String text) throws StoreException {
        return s.spool().deliver(List.of(to), new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void addAlice(Store s, Administration.Quota quota) throws StoreException {
        s.admin().addDomain("example.test");
        s.admin().addUser(ALICE, "secret".toCharArray(), quota);
    }

    private static void awaitUser(Store s) {
        Await.until(Duration.ofSeconds(5), "the node sees the new user", () -> {
            try {
                return s.directory().resolve(ALICE) instanceof Resolution.Local;
            } catch (StoreException e) {
                return false;
            }
        });
    }

    @Test
    void aMessageDeliveredOnOneNodeIsServedByAnotherByteForByte() throws Exception {
        Store a = node();
        Store b = node();
        addAlice(a, Administration.Quota.NONE);
        awaitUser(b);
        byte[] big = new byte[600_000]; // three chunks
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ((i % 76 == 75) ? '\n' : 'a' + i % 26);
        }
        Receipt r = b.spool().deliver(List.of(ALICE), new ByteArrayInputStream(big));
        assertEquals(Set.of(ALICE), r.delivered());
        try (Maildrop m = a.maildrops().open(ALICE); InputStream in = m.open(m.listing().get(0))) {
            byte[] got = in.readAllBytes();
            assertEquals(m.listing().get(0).octets(), got.length);
            assertTrue(new String(got, 0, 40, StandardCharsets.US_ASCII).startsWith("Delivered-To: alice@example.test\r\n"));
            assertEquals(r.queueId(), m.listing().get(0).uidl());
        }
    }

    @Test
    void theMaildropLockHoldsAcrossNodesAndGoesWithADeadNodesConnection() throws Exception {
        Store a = node();
        Store b = node();
        addAlice(a, Administration.Quota.NONE);
        awaitUser(b);
        deliver(a, ALICE, "Subject: one\r\n\r\nx\r\n");
        Maildrop held = a.maildrops().open(ALICE);
        assertThrows(MailboxInUseException.class, () -> b.maildrops().open(ALICE));
        assertThrows(MailboxInUseException.class, () -> a.maildrops().open(ALICE));
        // node a "dies": the database ends its connections, as it does when a node's process is killed
        pg.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'");
        Maildrop taken;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                taken = b.maildrops().open(ALICE);
                break;
            } catch (MailboxInUseException e) {
                assertTrue(System.nanoTime() < deadline, "the lock outlived its connection");
                Thread.sleep(50);
            }
        }
        // the session that lost its lock deletes nothing
        assertThrows(StoreException.class, () -> held.expunge(Set.copyOf(held.listing())));
        held.close();
        assertEquals(1, taken.listing().size());
        taken.expunge(Set.copyOf(taken.listing()));
        taken.close();
        try (Maildrop m = a.maildrops().open(ALICE)) {
            assertEquals(0, m.listing().size());
        }
    }

    @Test
    void quotasHoldWithConcurrentDeliveriesOnSeveralNodes() throws Exception {
        Store a = node();
        Store b = node();
        addAlice(a, new Administration.Quota(0, 5));
        awaitUser(b);
        AtomicInteger accepted = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                Store s = i % 2 == 0 ? a : b;
                int n = i;
                all.add(pool.submit(() -> {
                    Receipt r = deliver(s, ALICE, "Subject: " + n + "\r\n\r\nx\r\n");
                    if (r.delivered().contains(ALICE)) {
                        accepted.incrementAndGet();
                    } else {
                        assertEquals(DeliveryCheck.OVER_QUOTA, r.refused().get(ALICE));
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        assertEquals(5, accepted.get());
        assertEquals(DeliveryCheck.OVER_QUOTA, b.spool().check(ALICE, 10));
        try (Maildrop m = b.maildrops().open(ALICE)) {
            Set<String> uidls = new HashSet<>();
            for (MaildropEntry e : m.listing()) {
                uidls.add(e.uidl());
            }
            assertEquals(5, uidls.size(), "UIDLs unique across nodes");
        }
    }

    @Test
    void aDatabaseOutageIsATemporaryFailureAndTheNodeRecoversByItself() throws Exception {
        pg = TestPostgres.start(); // its own server: this test stops it
        db = pg.createSchema(schema);
        Store a = node();
        addAlice(a, Administration.Quota.NONE);
        deliver(a, ALICE, "Subject: before\r\n\r\nx\r\n");
        try (Maildrop m = a.maildrops().open(ALICE)) {
            assertEquals(1, m.listing().size());
        }
        pg.stopServer();
        long start = System.nanoTime();
        StoreException refused = assertThrows(StoreException.class, () -> deliver(a, ALICE, "Subject: during\r\n\r\nx\r\n"));
        assertFalse(refused instanceof MailboxInUseException);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(15).toNanos(), "refused within seconds");
        StoreException pop = assertThrows(StoreException.class, () -> a.maildrops().open(ALICE));
        assertFalse(pop instanceof MailboxInUseException, "a POP3 login gets [SYS/TEMP], not [IN-USE]");
        pg.startServer();
        Await.until(Duration.ofSeconds(20), "deliveries work again", () -> {
            try {
                deliver(a, ALICE, "Subject: after\r\n\r\nx\r\n");
                return true;
            } catch (StoreException e) {
                return false;
            }
        });
        try (Maildrop m = a.maildrops().open(ALICE)) {
            assertEquals(2, m.listing().size(), "the message before the outage and the one after");
            byte[] first;
            try (InputStream in = m.open(m.listing().get(0))) {
                first = in.readAllBytes();
            }
            assertArrayEquals("Delivered-To: alice@example.test\r\nSubject: before\r\n\r\nx\r\n"
                    .getBytes(StandardCharsets.US_ASCII), first);
        }
        // the accounts listener is back too: a change made behind the node's back reaches it
        pg.execute("SET search_path = " + schema + "; UPDATE users SET enabled = false WHERE address = 'alice@example.test';"
                + " NOTIFY postkontor_accounts_" + schema + ", 'elsewhere'");
        Await.until(Duration.ofSeconds(15), "the node sees the change", () -> {
            try {
                return a.spool().check(ALICE, 0) == DeliveryCheck.DISABLED;
            } catch (StoreException e) {
                return false;
            }
        });
    }

    @Test
    void exactlyOneNodeLeadsAndAnotherTakesOverWhenItsConnectionGoes() throws Exception {
        Store a = node();
        Store b = node();
        assertTrue(a.leads());
        assertFalse(b.leads());
        assertTrue(a.leads(), "the leader keeps the lead");
        pg.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'");
        Await.until(Duration.ofSeconds(5), "node b takes the lead", b::leads);
        assertFalse(a.leads(), "the old leader sees it lost the lead");
    }

    @Test
    void badmailTheOutboundQueueAndDkimKeysAreTheSameOnEveryNode() throws Exception {
        Store a = node();
        Store b = node();
        byte[] original = "Subject: as given\nno CRLF here\n".getBytes(StandardCharsets.US_ASCII);
        BadmailStore.BadmailItem item = a.badmail().put(new BadmailStore.BadmailEnvelope("x@remote.test",
                List.of("nobody@example.test"), "192.0.2.1", "helo.test", null),
                new BadmailStore.BadmailReason("unknown_user", 550, "5.1.1", "no such user", null),
                new ByteArrayInputStream(original));
        assertEquals(List.of(item), b.badmail().list(BadmailStore.BadmailQuery.ALL));
        try (InputStream in = b.badmail().open(item.id())) {
            assertArrayEquals(original, in.readAllBytes(), "kept as given");
        }
        assertTrue(b.badmail().remove(item.id()));
        assertEquals(0, a.badmail().totals().items());

        OutboundQueue.QueuedMessage q = a.outbound().enqueue("alice@example.test",
                List.of("x@remote.test", "y@remote.test"), new ByteArrayInputStream("Subject: out\n\nbody\n"
                        .getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(q), b.outbound().list());
        try (InputStream in = b.outbound().open(q.id())) {
            assertArrayEquals("Subject: out\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
        }
        OutboundQueue.QueuedMessage after = b.outbound().record(q.id(), List.of(
                OutboundQueue.Outcome.delivered("x@remote.test", "250 ok"),
                OutboundQueue.Outcome.deferred("y@remote.test", Instant.now().plusSeconds(60), "451 later")));
        assertEquals(1, after.pending().size());
        assertEquals(1, a.outbound().get(q.id()).orElseThrow().pending().size());
        b.outbound().record(q.id(), List.of(OutboundQueue.Outcome.failed("y@remote.test", "550 no")));
        assertEquals(List.of(), a.outbound().list(), "a message whose recipients are all final leaves the queue");
        assertEquals(0, a.admin().stats().messages(), "and its body with it");

        DkimKey key = DkimKey.generate("example.test", "s1", DkimKey.Algorithm.ED25519_SHA256, Instant.now());
        a.dkimKeys().put(key);
        assertEquals(List.of("s1"), b.dkimKeys().keys("example.test").stream().map(DkimKey::selector).toList());
    }

    @Test
    void restartingPostgresqlUnderLoadLosesNoAcknowledgedMessage() throws Exception {
        pg = TestPostgres.start(); // its own server: this test restarts it
        db = pg.createSchema(schema);
        Store a = node();
        Store b = node();
        addAlice(a, Administration.Quota.NONE);
        awaitUser(b);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Store s = i % 2 == 0 ? a : b;
            senders.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; !stop.get(); n++) {
                    try {
                        acknowledged.add(deliver(s, ALICE, "Subject: load " + n + "\r\n\r\nx\r\n").queueId());
                    } catch (StoreException e) {
                        refused.incrementAndGet();
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            }));
        }
        Thread.sleep(1000);
        pg.stopServer();
        Thread.sleep(1500);
        pg.startServer();
        Thread.sleep(2500);
        stop.set(true);
        for (Thread t : senders) {
            t.join(Duration.ofSeconds(30));
        }
        assertTrue(refused.get() > 0, "deliveries were refused while the database was down");
        Set<String> listed = new HashSet<>();
        try (Maildrop m = b.maildrops().open(ALICE)) {
            m.listing().forEach(e -> listed.add(e.uidl()));
        }
        Set<String> lost = new HashSet<>(acknowledged);
        lost.removeAll(listed);
        assertEquals(Set.of(), lost, "acknowledged, yet not in the mailbox");
        System.out.println("postgresql restart under load: acknowledged=" + acknowledged.size() + " refused="
                + refused.get() + " listed=" + listed.size());
    }
}
