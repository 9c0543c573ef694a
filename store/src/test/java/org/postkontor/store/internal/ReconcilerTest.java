package org.postkontor.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postkontor.store.internal.FileSpoolTest.bytes;
import static org.postkontor.store.internal.FileSpoolTest.read;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.testing.TempStore;

class ReconcilerTest {

    private RecordingMetrics metrics;
    private TempStore t;
    private Store store;
    private MailAddress alice;
    private Path spool;

    @BeforeEach
    void open() throws Exception {
        metrics = new RecordingMetrics();
        t = TempStore.create(Clock.systemUTC(), metrics);
        store = t.store();
        alice = Users.add(store, "alice@example.test");
        spool = t.config().spoolDir();
    }

    @AfterEach
    void close() {
        t.close();
    }

    private String pathOf(Receipt r) throws Exception {
        return ((FileStore) store).database().read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT path FROM messages WHERE queue_id = ?")) {
                ps.setString(1, r.queueId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    @Test
    void cleanStartCountsNothing() throws Exception {
        store.spool().deliver(List.of(alice), bytes("x\r\n"));
        store = t.restart();
        for (String kind : List.of(Reconciler.TMP_FILE, Reconciler.STALE_LOCK, Reconciler.DELETED_BODY,
                Reconciler.ORPHAN_BODY, Reconciler.MISSING_BODY, Reconciler.UNREFERENCED_MESSAGE)) {
            assertEquals(0, metrics.reconciled(kind), kind);
        }
    }

    @Test
    void tempFilesAreCleared() throws Exception {
        store.close();
        Files.writeString(spool.resolve("tmp").resolve("half-written"), "Subject: cut");
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.TMP_FILE));
        try (var s = Files.list(spool.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void bodyWithoutRowIsQuarantinedAndNeverListed() throws Exception {
        store.close();
        Path hour = spool.resolve("msg").resolve("2026010100");
        Files.createDirectories(hour);
        Files.writeString(hour.resolve("0000.never.1"), "Subject: never acknowledged\r\n");
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.ORPHAN_BODY));
        assertTrue(Files.exists(spool.resolve("quarantine").resolve("0000.never.1")));
        assertFalse(Files.exists(hour), "empty old hour directory removed");
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(0, m.listing().size());
        }
    }

    @Test
    void rowWithoutBodyIsRemoved() throws Exception {
        Receipt lost = store.spool().deliver(List.of(alice), bytes("lost\r\n"));
        store.spool().deliver(List.of(alice), bytes("kept\r\n"));
        String path = pathOf(lost);
        store.close();
        Files.delete(spool.resolve(path));
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.MISSING_BODY));
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(1, m.listing().size());
            assertEquals("Delivered-To: alice@example.test\r\nkept\r\n", read(m, m.listing().get(0)));
        }
    }

    @Test
    void interruptedBodyDeletionIsFinished() throws Exception {
        Receipt r = store.spool().deliver(List.of(alice), bytes("expunged\r\n"));
        String path = pathOf(r);
        // what an expunge commits before a crash cut off the file deletion
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement e = c.prepareStatement("DELETE FROM mailbox_entries WHERE mailbox = ?");
                 PreparedStatement m = c.prepareStatement("DELETE FROM messages WHERE path = ?");
                 PreparedStatement d = c.prepareStatement("INSERT INTO body_deletions (path) VALUES (?)")) {
                e.setString(1, alice.toString());
                e.executeUpdate();
                m.setString(1, path);
                m.executeUpdate();
                d.setString(1, path);
                d.executeUpdate();
            }
            return null;
        });
        assertTrue(Files.exists(spool.resolve(path)));
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.DELETED_BODY));
        assertEquals(0, metrics.reconciled(Reconciler.ORPHAN_BODY));
        assertFalse(Files.exists(spool.resolve(path)));
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.DELETED_BODY));
    }

    @Test
    void messageWithoutEntriesIsDropped() throws Exception {
        Receipt r = store.spool().deliver(List.of(alice), bytes("x\r\n"));
        String path = pathOf(r);
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement e = c.prepareStatement("DELETE FROM mailbox_entries WHERE mailbox = ?")) {
                e.setString(1, alice.toString());
                e.executeUpdate();
            }
            return null;
        });
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.UNREFERENCED_MESSAGE));
        assertFalse(Files.exists(spool.resolve(path)));
    }
}
