package org.postkontor.store.internal.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.mail.FileSpoolTest.bytes;
import static org.postkontor.store.internal.mail.FileSpoolTest.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.RecordingMetrics;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.Users;

/**
 * The mail index is built at every start from the spool (bodies with their records, the removal
 * log), helped by the catalog. An unclean stop is what a copy of the data directory taken while the
 * store runs looks like (every write the store acknowledged is already on disk; no {@code .clean}
 * marker; the catalog as the last checkpoint left it).
 */
class SpoolLoaderTest {

    private RecordingMetrics metrics;
    private TempStore t;
    private Store store;
    private MailAddress alice;
    private MailAddress bob;
    private Path spool;

    @BeforeEach
    void open() throws Exception {
        metrics = new RecordingMetrics();
        t = TempStore.create(Clock.systemUTC(), metrics);
        store = t.store();
        alice = Users.add(store, "alice@example.test");
        bob = Users.add(store, "bob@example.test");
        spool = t.config().spoolDir();
    }

    @AfterEach
    void close() {
        t.close();
    }

    private List<String> listing(Store s, MailAddress box) throws Exception {
        List<String> out = new ArrayList<>();
        try (Maildrop m = s.maildrops().open(box)) {
            for (MaildropEntry e : m.listing()) {
                out.add(e.uidl() + " " + e.octets() + " " + read(m, e));
            }
        }
        return out;
    }

    private Path bodyOf(Receipt r) throws IOException {
        try (Stream<Path> s = Files.walk(spool.resolve("msg"))) {
            return s.filter(p -> p.getFileName().toString().equals(r.queueId())).findFirst().orElseThrow();
        }
    }

    /** Copies the data directory while the store runs: what a kill at this moment would leave. */
    private Path crashCopy() throws IOException {
        Path copy = Files.createTempDirectory("postkontor-crash-copy-");
        try (Stream<Path> s = Files.walk(t.dataDir())) {
            for (Path p : s.toList()) {
                Path to = copy.resolve(t.dataDir().relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else if (!p.getFileName().toString().equals(".lock")) {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return copy;
    }

    private Store openCopy(Path copy, RecordingMetrics m) throws Exception {
        StoreConfig under = StoreConfig.under(copy);
        return EmbeddedStore.open(new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0),
                new PlainTestHasher(), Clock.systemUTC(), m);
    }

    @Test
    void aCleanRestartReadsNoBodyAndListsTheSame() throws Exception {
        for (int i = 0; i < 3; i++) {
            store.spool().deliver(List.of(alice, bob), bytes("Subject: " + i + "\r\n\r\nbody\r\n"));
        }
        List<String> before = listing(store, alice);
        store = t.restart();
        assertEquals(3, metrics.reconciled(SpoolLoader.CATALOGED_BODY));
        assertEquals(0, metrics.reconciled(SpoolLoader.READ_BODY));
        assertEquals(0, metrics.reconciled(SpoolLoader.DELETED_BODY));
        assertEquals(0, metrics.reconciled(SpoolLoader.ORPHAN_BODY));
        assertEquals(before, listing(store, alice));
        assertEquals(3, listing(store, bob).size());
    }

    @Test
    void anUncleanStartReadsOnlyTheBodiesTheCatalogLacks() throws Exception {
        store.spool().deliver(List.of(alice), bytes("Subject: old 1\r\n\r\nx\r\n"));
        store.spool().deliver(List.of(alice), bytes("Subject: old 2\r\n\r\nx\r\n"));
        store = t.restart(); // the catalog now names these two
        for (int i = 0; i < 3; i++) {
            store.spool().deliver(List.of(alice), bytes("Subject: new " + i + "\r\n\r\nx\r\n"));
        }
        List<String> acknowledged = listing(store, alice);
        Path copy = crashCopy();
        RecordingMetrics m = new RecordingMetrics();
        try (Store s = openCopy(copy, m)) {
            assertEquals(2, m.reconciled(SpoolLoader.CATALOGED_BODY));
            assertEquals(3, m.reconciled(SpoolLoader.READ_BODY));
            assertEquals(acknowledged, listing(s, alice), "every entry, in arrival order, with its UIDL and size");
        }
    }

    @Test
    void bodiesGoneSinceTheCatalogAreLeftOutAndExpungesStayDone() throws Exception {
        Receipt shared = store.spool().deliver(List.of(alice, bob), bytes("Subject: shared\r\n\r\nx\r\n"));
        Receipt own = store.spool().deliver(List.of(alice), bytes("Subject: own\r\n\r\nx\r\n"));
        store.spool().deliver(List.of(alice), bytes("Subject: kept\r\n\r\nx\r\n"));
        store = t.restart(); // the catalog names all three
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.of(m.listing().get(0), m.listing().get(1))); // shared (bob keeps it) and own
        }
        t.awaitBodyDeletions();
        assertFalse(Files.exists(bodyOf(shared).resolveSibling(own.queueId())), "own's body is deleted");
        Path copy = crashCopy();
        RecordingMetrics m = new RecordingMetrics();
        try (Store s = openCopy(copy, m)) {
            assertEquals(2, m.reconciled(SpoolLoader.CATALOGED_BODY));
            assertEquals(0, m.reconciled(SpoolLoader.READ_BODY));
            assertEquals(1, listing(s, alice).size());
            assertTrue(listing(s, alice).get(0).contains("Subject: kept"));
            assertEquals(1, listing(s, bob).size());
        }
    }

    @Test
    void aBodyWhoseEveryEntryIsRemovedIsDeletedAtStart() throws Exception {
        Receipt r = store.spool().deliver(List.of(alice, bob), bytes("Subject: gone\r\n\r\nx\r\n"));
        Path body = bodyOf(r);
        Path aside = Files.copy(body, t.dataDir().resolve("aside"));
        for (MailAddress box : List.of(alice, bob)) {
            try (Maildrop m = store.maildrops().open(box)) {
                m.expunge(Set.copyOf(m.listing()));
            }
        }
        store.close();
        Files.move(aside, body); // as if the deletion had not reached the disk before a crash
        store = t.restart();
        assertEquals(1, metrics.reconciled(SpoolLoader.DELETED_BODY));
        assertFalse(Files.exists(body));
        assertEquals(List.of(), listing(store, alice));
        assertEquals(List.of(), listing(store, bob));
    }

    @Test
    void aStopFinishesTheDeletionsLeftBehindAnExpunge() throws Exception {
        for (int i = 0; i < 300; i++) {
            store.spool().deliver(List.of(alice), bytes("Subject: " + i + "\r\n\r\nx\r\n"));
        }
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.copyOf(m.listing())); // answered before the body files are deleted
        }
        store.close();
        try (Stream<Path> s = Files.walk(spool.resolve("msg"))) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "every body file deleted before the stop ended");
        }
        store = t.restart();
        assertEquals(0, metrics.reconciled(SpoolLoader.DELETED_BODY), "nothing left for the start to delete");
        assertEquals(List.of(), listing(store, alice));
    }

    @Test
    void anEmptyBodyFileIsDeletedAtStartNotQuarantined() throws Exception {
        Receipt r = store.spool().deliver(List.of(alice), bytes("Subject: gone\r\n\r\nx\r\n"));
        Path body = bodyOf(r);
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.copyOf(m.listing()));
        }
        t.awaitBodyDeletions();
        assertFalse(Files.exists(body), "moved to tmp/ and emptied for reuse");
        store.close();
        // a crash undid the move but not the emptying (a file system without a journal may)
        Files.createDirectories(body.getParent());
        Files.createFile(body);
        store = t.restart();
        assertEquals(1, metrics.reconciled(SpoolLoader.DELETED_BODY));
        assertEquals(0, metrics.reconciled(SpoolLoader.ORPHAN_BODY));
        assertEquals(0, metrics.reconciled(SpoolLoader.TMP_FILE), "the emptied file in tmp/ is not a cut-off delivery");
        assertFalse(Files.exists(body));
        assertEquals(List.of(), listing(store, alice));
    }

    @Test
    void tempFilesAreCleared() throws Exception {
        store.close();
        Files.writeString(spool.resolve("tmp").resolve("half-written"), "Subject: cut");
        store = t.restart();
        assertEquals(1, metrics.reconciled(SpoolLoader.TMP_FILE));
        try (var s = Files.list(spool.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aFileWithoutARecordIsQuarantinedAndNeverListed() throws Exception {
        store.close();
        Path hour = spool.resolve("msg").resolve("2026010100");
        Files.createDirectories(hour);
        Files.writeString(hour.resolve("0000.never.1"), "Subject: never acknowledged\r\n");
        store = t.restart();
        assertEquals(1, metrics.reconciled(SpoolLoader.ORPHAN_BODY));
        assertTrue(Files.exists(spool.resolve("quarantine").resolve("0000.never.1")));
        assertFalse(Files.exists(hour), "empty old hour directory removed");
        assertEquals(List.of(), listing(store, alice));
    }

    @Test
    void aDamagedCatalogOnlyCostsTime() throws Exception {
        store.spool().deliver(List.of(alice), bytes("Subject: 1\r\n\r\nx\r\n"));
        store.spool().deliver(List.of(bob), bytes("Subject: 2\r\n\r\nx\r\n"));
        List<String> before = listing(store, alice);
        store.close();
        Path catalog = t.config().indexDir().resolve(SpoolCatalog.FILE);
        byte[] b = Files.readAllBytes(catalog);
        b[b.length / 2] ^= 0x20;
        Files.write(catalog, b);
        store = t.restart();
        assertEquals(0, metrics.reconciled(SpoolLoader.CATALOGED_BODY));
        assertEquals(2, metrics.reconciled(SpoolLoader.READ_BODY));
        assertEquals(before, listing(store, alice));
        assertEquals(1, listing(store, bob).size());
    }

    @Test
    void aUidlTakenByAnOlderBodyLeavesTheNewerOneOut() throws Exception {
        store.spool().deliver(alice, "imported-1", bytes("Subject: first\r\n\r\nx\r\n"));
        store.close();
        // a second body claiming the same UIDL in the same mailbox (not something the spool writes)
        String queueId = "1ffffffffff.zzzzzzzzzz.1";
        Instant later = Instant.now().plusSeconds(5);
        byte[] record = SpoolRecord.encode(queueId, later,
                List.of(new SpoolRecord.Entry("alice@example.test", "imported-1")));
        Path hour = spool.resolve("msg").resolve(SpoolLayout.hourDir(later));
        Files.createDirectories(hour);
        Files.write(hour.resolve(queueId), concat(record, "Subject: second\r\n\r\nx\r\n".getBytes()));
        store = t.restart();
        List<String> now = listing(store, alice);
        assertEquals(1, now.size());
        assertTrue(now.get(0).contains("Subject: first"));
        assertEquals(1, metrics.reconciled(SpoolLoader.ORPHAN_BODY), "the newer body had nothing left to list");
    }

    @Test
    void theRemovalLogLosesTheLinesOfBodiesThatAreGone() throws Exception {
        store.spool().deliver(List.of(alice), bytes("Subject: 1\r\n\r\nx\r\n"));
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.copyOf(m.listing()));
        }
        assertTrue(Files.size(spool.resolve(RemovalLog.FILE)) > 0);
        store = t.restart();
        assertEquals(0, Files.size(spool.resolve(RemovalLog.FILE)));
    }

    @Test
    void aMailboxWhoseUserIsGoneKeepsItsEntriesAcrossStarts() throws Exception {
        store.spool().deliver(List.of(alice), bytes("Subject: kept for later\r\n\r\nx\r\n"));
        Users.remove(store, alice);
        store = t.restart();
        store.admin().addUser(alice, "secret".toCharArray(), null);
        assertEquals(1, listing(store, alice).size());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
