package org.postkontor.store.internal.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.testing.Users;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.ConflictException;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TempStore;

class FileSpoolTest {

    private TempStore t;
    private Store store;
    private MailAddress alice;
    private MailAddress bob;

    @BeforeEach
    void open() throws Exception {
        t = TempStore.create();
        store = t.store();
        alice = Users.add(store, "alice@example.test");
        bob = Users.add(store, "bob@example.test");
    }

    @AfterEach
    void close() {
        t.close();
    }

    static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    static String read(Maildrop m, MaildropEntry e) throws Exception {
        try (InputStream in = m.open(e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private long bodyFiles() throws IOException {
        t.awaitBodyDeletions();
        try (Stream<Path> s = Files.walk(t.config().spoolDir().resolve("msg"))) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void deliveredMessageIsListedWithDeliveredToAndCrlf() throws Exception {
        Receipt r = store.spool().deliver(List.of(alice), bytes("Subject: hi\n\nline one\rline two\r\n"));
        assertEquals(Set.of(alice), r.delivered());
        assertEquals(Map.of(), r.refused());
        String body = "Subject: hi\r\n\r\nline one\r\nline two\r\n";
        assertEquals(body.length(), r.octets());
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(1, m.listing().size());
            MaildropEntry e = m.listing().get(0);
            String expected = "Delivered-To: alice@example.test\r\n" + body;
            assertEquals(expected.length(), e.octets());
            assertEquals(expected, read(m, e));
            assertEquals(r.queueId(), e.uidl());
            assertTrue(MaildropEntry.isValidUidl(e.uidl()));
        }
    }

    @Test
    void oneBodyForManyMailboxesAndDuplicatesCountOnce() throws Exception {
        Receipt r = store.spool().deliver(List.of(alice, bob, alice), bytes("x\r\n"));
        assertEquals(Set.of(alice, bob), r.delivered());
        assertEquals(1, bodyFiles());
        try (Maildrop a = store.maildrops().open(alice); Maildrop b = store.maildrops().open(bob)) {
            assertEquals(1, a.listing().size());
            assertEquals("Delivered-To: alice@example.test\r\nx\r\n", read(a, a.listing().get(0)));
            assertEquals("Delivered-To: bob@example.test\r\nx\r\n", read(b, b.listing().get(0)));
            a.expunge(Set.of(a.listing().get(0)));
            assertEquals(1, bodyFiles(), "bob still refers to the body");
            b.expunge(Set.copyOf(b.listing()));
            assertEquals(0, bodyFiles(), "no entry refers to the body any more");
        }
    }

    @Test
    void quotasDisabledAndRemovedUsersAreRefusedPerMailbox() throws Exception {
        MailAddress small = Users.add(store, "small@example.test", 0, 1, true);
        MailAddress tiny = Users.add(store, "tiny@example.test", 60, 0, true);
        MailAddress off = Users.add(store, "off@example.test", 0, 0, false);
        MailAddress gone = MailAddress.parse("gone@example.test");

        assertEquals(DeliveryCheck.OK, store.spool().check(small, 10));
        assertEquals(DeliveryCheck.DISABLED, store.spool().check(off, 10));
        assertEquals(DeliveryCheck.NO_SUCH_MAILBOX, store.spool().check(gone, 10));
        assertEquals(DeliveryCheck.OVER_QUOTA, store.spool().check(tiny, 100));

        Receipt r = store.spool().deliver(List.of(alice, small, tiny, off, gone), bytes("0123456789\r\n"));
        assertEquals(Set.of(alice, small, tiny), r.delivered());
        assertEquals(Map.of(off, DeliveryCheck.DISABLED, gone, DeliveryCheck.NO_SUCH_MAILBOX), r.refused());

        // small holds 1 message (its limit); tiny holds 31+12 = 43 of 60 octets
        assertEquals(DeliveryCheck.OVER_QUOTA, store.spool().check(small, 0));
        Receipt r2 = store.spool().deliver(List.of(small, tiny), bytes("0123456789\r\n"));
        assertEquals(Set.of(), r2.delivered());
        assertEquals(Map.of(small, DeliveryCheck.OVER_QUOTA, tiny, DeliveryCheck.OVER_QUOTA), r2.refused());
        assertEquals(1, bodyFiles(), "nothing stored when no mailbox takes it");
    }

    @Test
    void importKeepsGivenUidlAndRefusesDuplicates() throws Exception {
        store.spool().deliver(alice, "old-uidl-1", bytes("a\r\n"));
        assertThrows(ConflictException.class, () -> store.spool().deliver(alice, "old-uidl-1", bytes("b\r\n")));
        store.spool().deliver(bob, "old-uidl-1", bytes("b\r\n"));
        assertThrows(IllegalArgumentException.class, () -> store.spool().deliver(alice, "has space", bytes("b")));
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(List.of("old-uidl-1"), m.listing().stream().map(MaildropEntry::uidl).toList());
        }
        assertEquals(2, bodyFiles());
    }

    @Test
    void uidlsSurviveRestart() throws Exception {
        for (int i = 0; i < 5; i++) {
            store.spool().deliver(List.of(alice), bytes("m" + i + "\r\n"));
        }
        List<MaildropEntry> before;
        try (Maildrop m = store.maildrops().open(alice)) {
            before = m.listing();
        }
        store = t.restart();
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(before, m.listing());
            assertEquals("Delivered-To: alice@example.test\r\nm3\r\n", read(m, m.listing().get(3)));
        }
        Receipt r = store.spool().deliver(List.of(alice), bytes("new\r\n"));
        assertTrue(before.stream().noneMatch(e -> e.uidl().equals(r.queueId())));
    }

    @Test
    void freeDiskReserveRefusesWithInsufficientStorage() throws Exception {
        StoreConfig c = t.config();
        store.close();
        StoreConfig huge = new StoreConfig(c.spoolDir(), c.indexDir(), c.badmailDir(), Long.MAX_VALUE / 2);
        try (Store s = EmbeddedStore.open(huge, new PlainTestHasher(), java.time.Clock.systemUTC(), StoreMetrics.NOOP)) {
            assertEquals(DeliveryCheck.INSUFFICIENT_STORAGE, s.spool().check(alice, 10));
            assertThrows(InsufficientStorageException.class, () -> s.spool().deliver(List.of(alice), bytes("x")));
        }
        store = t.restart();
        assertEquals(0, bodyFiles());
    }

    @Test
    void secondStoreOnTheSameSpoolIsRefused() {
        assertThrows(org.postkontor.store.StoreException.class,
                () -> EmbeddedStore.open(t.config(), new PlainTestHasher(), java.time.Clock.systemUTC(), StoreMetrics.NOOP));
    }

    @Test
    void aBrokenStreamStoresNothing() throws Exception {
        InputStream broken = new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) {
                    throw new IOException("client went away");
                }
                return n % 70 == 0 ? '\n' : 'x';
            }
        };
        assertThrows(org.postkontor.store.StoreException.class, () -> store.spool().deliver(List.of(alice), broken));
        assertEquals(0, bodyFiles());
        try (Stream<Path> s = Files.list(t.config().spoolDir().resolve("tmp"))) {
            assertEquals(0, s.count());
        }
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(0, m.listing().size());
        }
    }

    @Test
    void quotaHoldsUnderConcurrentDeliveries() throws Exception {
        MailAddress ten = Users.add(store, "ten@example.test", 0, 10, true);
        int writers = 32;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Receipt>> results = new java.util.ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int id = i;
            results.add(pool.submit(() -> {
                go.await();
                return store.spool().deliver(List.of(ten, alice), bytes("m" + id + "\r\n"));
            }));
        }
        go.countDown();
        int accepted = 0;
        for (java.util.concurrent.Future<Receipt> f : results) {
            Receipt r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(r.delivered().contains(alice));
            if (r.delivered().contains(ten)) {
                accepted++;
            } else {
                assertEquals(DeliveryCheck.OVER_QUOTA, r.refused().get(ten));
            }
        }
        pool.shutdown();
        assertEquals(10, accepted);
        try (Maildrop m = store.maildrops().open(ten)) {
            assertEquals(10, m.listing().size());
        }
    }

    @Test
    void concurrentImportsOfOneUidlLetOneWin() throws Exception {
        int writers = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
        for (int i = 0; i < writers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                try {
                    store.spool().deliver(alice, "same-uidl", bytes("x\r\n"));
                    return true;
                } catch (ConflictException e) {
                    return false;
                }
            }));
        }
        go.countDown();
        int won = 0;
        for (java.util.concurrent.Future<Boolean> f : results) {
            won += f.get(60, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, won);
        assertEquals(1, bodyFiles());
    }

    @Test
    void closeWaitsForDeliveriesInFlightAndThenRefuses() throws Exception {
        int writers = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(writers);
        for (int i = 0; i < writers; i++) {
            results.add(pool.submit(() -> {
                started.countDown();
                int ok = 0;
                for (int n = 0; n < 200; n++) {
                    try {
                        store.spool().deliver(List.of(alice), bytes("x\r\n"));
                        ok++;
                    } catch (org.postkontor.store.StoreException e) {
                        return ok;
                    }
                }
                return ok;
            }));
        }
        started.await();
        Thread.sleep(200);
        store.close();
        int acknowledged = 0;
        for (java.util.concurrent.Future<Integer> f : results) {
            acknowledged += f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThrows(org.postkontor.store.StoreException.class,
                () -> store.spool().deliver(List.of(alice), bytes("late\r\n")));
        store = t.restart();
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(acknowledged, m.listing().size());
        }
        assertEquals(acknowledged, bodyFiles());
    }
}
