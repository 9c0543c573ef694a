package org.postkontor.store.internal.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.mail.FileSpoolTest.bytes;
import static org.postkontor.store.internal.mail.FileSpoolTest.read;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.testing.RecordingMetrics;
import org.postkontor.store.testing.Users;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.testing.TempStore;

class IndexMaildropStoreTest {

    private RecordingMetrics metrics;
    private TempStore t;
    private Store store;
    private MailAddress alice;
    private MailAddress bob;

    @BeforeEach
    void open() throws Exception {
        metrics = new RecordingMetrics();
        t = TempStore.create(Clock.systemUTC(), metrics);
        store = t.store();
        alice = Users.add(store, "alice@example.test");
        bob = Users.add(store, "bob@example.test");
    }

    @AfterEach
    void close() {
        t.close();
    }

    private void deliver(MailAddress to, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            store.spool().deliver(List.of(to), bytes("Subject: " + i + "\r\n\r\nbody " + i + "\r\n"));
        }
    }

    @Test
    void parallelDeliveriesNeverChangeAnOpenSnapshotAndExpungeRemovesExactlyTheChosen() throws Exception {
        deliver(alice, 6);
        int writers = 16;
        int each = 10;
        try (Maildrop m = store.maildrops().open(alice)) {
            List<MaildropEntry> snapshot = m.listing();
            assertEquals(6, snapshot.size());
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        store.spool().deliver(List.of(alice, bob),
                                bytes("Subject: w" + id + " " + i + "\r\n\r\nparallel\r\n"));
                    }
                    return null;
                }));
            }
            go.countDown();
            while (done.stream().anyMatch(f -> !f.isDone())) {
                assertEquals(snapshot, m.listing());
                assertEquals("Delivered-To: alice@example.test\r\nSubject: 2\r\n\r\nbody 2\r\n",
                        read(m, m.listing().get(2)));
                Thread.sleep(5);
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(snapshot, m.listing());
            m.expunge(Set.of(snapshot.get(1), snapshot.get(4)));
        }
        try (Maildrop m = store.maildrops().open(alice)) {
            List<MaildropEntry> now = m.listing();
            assertEquals(6 - 2 + writers * each, now.size());
            Set<String> uidls = new HashSet<>();
            now.forEach(e -> uidls.add(e.uidl()));
            assertEquals(now.size(), uidls.size(), "UIDLs unique");
            assertEquals(List.of("Subject: 0", "Subject: 2", "Subject: 3", "Subject: 5"),
                    now.subList(0, 4).stream().map(e -> firstHeader(m, e)).toList());
        }
        try (Maildrop b = store.maildrops().open(bob)) {
            assertEquals(writers * each, b.listing().size());
        }
        assertEquals(2, metrics.expunged.get());
        assertTrue(metrics.groupCommits.get() < metrics.groupedDeliveries.get(),
                "concurrent deliveries shared commits: " + metrics.groupCommits + " commits for "
                        + metrics.groupedDeliveries + " deliveries");
    }

    private static String firstHeader(Maildrop m, MaildropEntry e) {
        try {
            return read(m, e).split("\r\n")[1];
        } catch (Exception x) {
            throw new AssertionError(x);
        }
    }

    @Test
    void secondOpenGetsInUseUntilClose() throws Exception {
        Maildrop first = store.maildrops().open(alice);
        assertThrows(MailboxInUseException.class, () -> store.maildrops().open(alice));
        try (Maildrop other = store.maildrops().open(bob)) {
            assertEquals(bob, other.mailbox());
        }
        first.close();
        first.close();
        try (Maildrop again = store.maildrops().open(alice)) {
            assertEquals(alice, again.mailbox());
        }
    }

    @Test
    void racingOpensLetExactlyOneWin() throws Exception {
        int racers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger inUse = new AtomicInteger();
        List<Future<Maildrop>> results = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                try {
                    return store.maildrops().open(alice);
                } catch (MailboxInUseException e) {
                    inUse.incrementAndGet();
                    return null;
                }
            }));
        }
        go.countDown();
        List<Maildrop> won = new ArrayList<>();
        for (Future<Maildrop> f : results) {
            Maildrop m = f.get(30, TimeUnit.SECONDS);
            if (m != null) {
                won.add(m);
            }
        }
        pool.shutdown();
        assertEquals(1, won.size());
        assertEquals(racers - 1, inUse.get());
        won.get(0).close();
    }

    @Test
    void closeDeletesNothingAndExpungeIsDurableAcrossRestart() throws Exception {
        deliver(alice, 3);
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(3, m.listing().size());
        }
        List<MaildropEntry> kept;
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(3, m.listing().size());
            m.expunge(Set.of(m.listing().get(0)));
            kept = m.listing().subList(1, 3);
            assertThrows(IllegalStateException.class, () -> m.expunge(Set.of(m.listing().get(1))));
        }
        store = t.restart();
        try (Maildrop m = store.maildrops().open(alice)) {
            // entry ids are a run's own (opaque to POP3); UIDL, size and arrival are the message's
            assertEquals(kept.stream().map(e -> e.uidl() + " " + e.octets() + " " + e.arrived()).toList(),
                    m.listing().stream().map(e -> e.uidl() + " " + e.octets() + " " + e.arrived()).toList());
        }
    }

    @Test
    void entriesOfAnotherListingAreRefused() throws Exception {
        deliver(bob, 1);
        MaildropEntry bobs;
        try (Maildrop b = store.maildrops().open(bob)) {
            bobs = b.listing().get(0);
        }
        try (Maildrop a = store.maildrops().open(alice)) {
            assertThrows(IllegalArgumentException.class, () -> a.open(bobs));
            assertThrows(IllegalArgumentException.class, () -> a.expunge(Set.of(bobs)));
        }
        try (Maildrop b = store.maildrops().open(bob)) {
            assertEquals(List.of(bobs), b.listing());
        }
    }

    @Test
    void unknownMailboxIsRefused() {
        assertThrows(NoSuchMailboxException.class,
                () -> store.maildrops().open(MailAddress.parse("nobody@example.test")));
    }

    @Test
    void aLockDiesWithTheStoreThatHeldIt() throws Exception {
        Maildrop held = store.maildrops().open(alice);
        assertThrows(MailboxInUseException.class, () -> store.maildrops().open(alice));
        store = t.restart(); // the session never closed its maildrop: nothing of its lock outlives the store
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(alice, m.mailbox());
        }
        held.close(); // a late close of the old store's maildrop touches nothing of the new one
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(alice, m.mailbox());
        }
    }

    @Test
    void purgeRemovesEveryEntryAndUnsharedBodies() throws Exception {
        deliver(alice, 2);
        store.spool().deliver(List.of(alice, bob), bytes("shared\r\n"));
        Users.remove(store, alice);
        store.admin().addUser(alice, "secret".toCharArray(), null);
        try (Maildrop a = store.maildrops().open(alice)) {
            assertEquals(3, a.listing().size(), "removed with its mail kept: served again");
        }
        store.admin().removeUser(alice, true);
        store.admin().addUser(alice, "secret".toCharArray(), null);
        try (Maildrop a = store.maildrops().open(alice); Maildrop b = store.maildrops().open(bob)) {
            assertEquals(0, a.listing().size());
            assertEquals(1, b.listing().size());
            assertEquals("Delivered-To: bob@example.test\r\nshared\r\n", read(b, b.listing().get(0)));
        }
        store = t.restart();
        assertEquals(0, metrics.reconciled(SpoolLoader.ORPHAN_BODY));
        assertEquals(0, metrics.reconciled(SpoolLoader.DELETED_BODY), "the purged bodies were deleted at once");
        try (Maildrop a = store.maildrops().open(alice); Maildrop b = store.maildrops().open(bob)) {
            assertEquals(0, a.listing().size());
            assertEquals(1, b.listing().size());
        }
    }

    private Object inodeOf(Receipt r) throws IOException {
        try (Stream<Path> s = Files.walk(t.config().spoolDir().resolve("msg"))) {
            Path body = s.filter(p -> p.getFileName().toString().equals(r.queueId())).findFirst().orElseThrow();
            return Files.readAttributes(body, BasicFileAttributes.class).fileKey();
        }
    }

    @Test
    void aBodyBeingReadIsNotReusedUntilItsStreamIsClosed() throws Exception {
        // body files are reused for later mail once nothing refers to them (BodyReaper): an open
        // stream refers to its body, so the session's own QUIT while its RETR still streams (or an
        // admin's purge) cannot have another message written into the file being read
        Receipt first = store.spool().deliver(List.of(alice), bytes("Subject: first\r\n\r\n" + "a".repeat(200_000) + "\r\n"));
        Object inode = inodeOf(first);
        try (Maildrop m = store.maildrops().open(alice)) {
            MaildropEntry e = m.listing().get(0);
            String whole = read(m, e);
            try (InputStream in = m.open(e)) {
                byte[] start = in.readNBytes(100);
                m.expunge(Set.of(e));
                Receipt second = store.spool().deliver(List.of(bob), bytes("Subject: second\r\n\r\nb\r\n"));
                assertFalse(inode.equals(inodeOf(second)), "the body being read is not reused");
                assertEquals(whole, new String(start, StandardCharsets.UTF_8)
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        t.awaitBodyDeletions();
        Receipt third = store.spool().deliver(List.of(bob), bytes("Subject: third\r\n\r\nc\r\n"));
        assertEquals(inode, inodeOf(third), "closed and removed: its file is reused");
        try (Maildrop m = store.maildrops().open(bob)) {
            assertEquals(2, m.listing().size());
            assertTrue(read(m, m.listing().get(1)).endsWith("Subject: third\r\n\r\nc\r\n"));
        }
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(0, m.listing().size());
        }
    }
}
