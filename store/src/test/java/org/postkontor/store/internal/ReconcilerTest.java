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
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreMetrics;
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
                Reconciler.REINDEXED_BODY, Reconciler.ORPHAN_BODY, Reconciler.MISSING_BODY, Reconciler.UNREFERENCED_MESSAGE)) {
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
    void bodyWithoutRowOrRecordIsQuarantinedAndNeverListed() throws Exception {
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
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY), "an expunged body is not re-indexed");
        assertFalse(Files.exists(spool.resolve(path)));
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(0, m.listing().size());
        }
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.DELETED_BODY));
    }

    @Test
    void messageRowWithoutEntriesOrRecordIsDropped() throws Exception {
        // a body from before the header records (no record): nothing to rebuild its entries from
        Path hour = spool.resolve("msg").resolve("2026010100");
        Files.createDirectories(hour);
        Files.writeString(hour.resolve("0000.old.1"), "Subject: old\r\n");
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement m = c.prepareStatement(
                    "INSERT INTO messages (queue_id, path, octets, received_at, body_offset) VALUES (?, ?, ?, ?, 0)")) {
                m.setString(1, "0000.old.1");
                m.setString(2, "msg/2026010100/0000.old.1");
                m.setLong(3, 14);
                m.setObject(4, java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC));
                m.executeUpdate();
            }
            return null;
        });
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.UNREFERENCED_MESSAGE));
        assertFalse(Files.exists(hour.resolve("0000.old.1")));
    }

    /** Deletes one entry row straight in H2: what an index that lost a row under SIGKILL shows. */
    private void loseEntry(MailAddress box) throws Exception {
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement e = c.prepareStatement("DELETE FROM mailbox_entries WHERE mailbox = ?")) {
                e.setString(1, box.toString());
                e.executeUpdate();
            }
            return null;
        });
    }

    @Test
    void entryTheIndexLostIsRestoredFromTheRecord() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        Receipt r = store.spool().deliver(List.of(alice, bob), bytes("Subject: shared\r\n"));
        List<Seen> before = seen(alice);
        loseEntry(alice); // bob's entry keeps the message row: the case re-indexing alone cannot see
        assertEquals(0, seen(alice).size());
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.RESTORED_ENTRY));
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(uidls(before), uidls(seen(alice)), "same UIDL, octets, arrival and bytes");
        assertEquals(r.queueId(), seen(alice).get(0).entry().uidl());
        assertEquals(1, seen(bob).size());
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.RESTORED_ENTRY), "restored rows are ordinary rows");
    }

    @Test
    void expungeWhoseIndexWriteWasLostStaysDone() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        Receipt shared = store.spool().deliver(List.of(alice, bob), bytes("Subject: shared\r\n"));
        Receipt own = store.spool().deliver(List.of(alice), bytes("Subject: own\r\n"));
        String sharedPath = pathOf(shared);
        String ownPath = pathOf(own);
        store.close();
        // what an expunge leaves when a kill cut it off after its log line, before the index write
        try (RemovalLog log = RemovalLog.open(spool, new DurableFiles(spool, StoreMetrics.NOOP))) {
            log.append(List.of(new RemovalLog.Removal("alice@example.test", List.of(sharedPath, ownPath))));
        }
        store = t.restart();
        assertEquals(2, metrics.reconciled(Reconciler.REMOVED_ENTRY));
        assertEquals(1, metrics.reconciled(Reconciler.DELETED_BODY), "alice's own body had no other entry");
        assertEquals(0, seen(alice).size());
        assertEquals(1, seen(bob).size());
        assertFalse(Files.exists(spool.resolve(ownPath)));
        assertTrue(Files.exists(spool.resolve(sharedPath)));
        // and the removal holds when the index later loses the message's rows altogether
        loseRows(shared);
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, seen(alice).size());
        assertEquals(1, seen(bob).size());
    }

    @Test
    void mailboxRefusedAtCommitIsNeverGivenTheMessageByReindexing() throws Exception {
        MailAddress full = Users.add(store, "full@example.test", 0, 1, true);
        store.spool().deliver(List.of(full), bytes("Subject: fills it\r\n"));
        Receipt r = store.spool().deliver(List.of(alice, full), bytes("Subject: to both\r\n"));
        assertEquals(Set.of(alice), r.delivered());
        loseRows(r);
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(1, seen(alice).size());
        assertEquals(1, seen(full).size(), "only the message that filled it");
    }

    @Test
    void afterAnUncleanStopTheEntriesAreRebuiltFromTheSpool() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        store.spool().deliver(List.of(alice, bob), bytes("Subject: shared\r\n"));
        store.spool().deliver(List.of(alice), bytes("Subject: own\r\n"));
        Receipt third = store.spool().deliver(List.of(bob), bytes("Subject: bob's\r\n"));
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.of(m.listing().get(0)));
        }
        List<Seen> aliceBefore = seen(alice);
        List<Seen> bobBefore = seen(bob);
        loseEntry(bob); // and the index lost bob's rows
        store.close();
        // a kill leaves no marker
        assertTrue(Files.deleteIfExists(spool.resolve(FileStore.CLEAN_MARKER)), "a clean close marks it");
        store = t.restart();
        assertEquals(2, metrics.reconciled(Reconciler.RESTORED_ENTRY), "bob's two entries, counted as found");
        assertEquals(0, metrics.reconciled(Reconciler.REMOVED_ENTRY));
        assertEquals(uidls(aliceBefore), uidls(seen(alice)), "same UIDLs, octets, arrival and bytes");
        assertEquals(uidls(bobBefore), uidls(seen(bob)));
        assertTrue(seen(bob).stream().anyMatch(x -> x.entry().uidl().equals(third.queueId())));
        store = t.restart(); // clean this time: nothing to find
        assertEquals(0, metrics.reconciled(Reconciler.RESTORED_ENTRY));
        assertEquals(uidls(bobBefore), uidls(seen(bob)));
    }

    /**
     * After a kill every mail table is emptied with TRUNCATE and refilled from the spool: H2 has
     * left a row behind a SIGKILL that any statement locking it spun on for ever (CI's store
     * CrashTest hung 90 minutes on one in {@code SELECT … FOR UPDATE}), and TRUNCATE locks no row.
     */
    @Test
    void afterAnUncleanStopEveryMailRowIsRebuiltAndNoLockSurvives() throws Exception {
        Receipt kept = store.spool().deliver(List.of(alice), bytes("Subject: kept\r\n"));
        Receipt gone = store.spool().deliver(List.of(alice), bytes("Subject: gone\r\n"));
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.of(m.listing().stream().filter(e -> e.uidl().equals(gone.queueId())).findFirst()
                    .orElseThrow()));
        }
        List<Seen> before = seen(alice);
        Database db = ((FileStore) store).database();
        db.write(c -> {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO maildrop_locks (mailbox, owner, acquired_at)"
                        + " VALUES ('alice@example.test', 'a-dead-store', CURRENT_TIMESTAMP)");
                st.executeUpdate("INSERT INTO body_deletions (path) VALUES ('msg/2020010100/never-there')");
            }
            return null;
        });
        store.close();
        assertTrue(Files.deleteIfExists(spool.resolve(FileStore.CLEAN_MARKER)), "a clean close marks it");
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.STALE_LOCK));
        assertEquals(uidls(before), uidls(seen(alice)), "same UIDLs, octets, arrival and bytes");
        db = ((FileStore) store).database();
        assertEquals(List.of(kept.queueId()), db.read(c -> {
            List<String> q = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT queue_id FROM messages")) {
                while (rs.next()) {
                    q.add(rs.getString(1));
                }
            }
            return q;
        }), "one message row per live body");
        int pending = db.read(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM body_deletions")) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertEquals(0, pending, "no pending body deletion survives a rebuild");
        try (Maildrop m = store.maildrops().open(alice)) {
            assertEquals(1, m.listing().size(), "alice's maildrop opens: the dead store's lock is gone");
        }
    }

    @Test
    void spoolFromBeforeTheRemovalLogKeepsItsExpunges() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        Receipt r = store.spool().deliver(List.of(alice, bob), bytes("Subject: shared\r\n"));
        loseEntry(alice); // an expunge by a version without the log: only the index knew
        store.close();
        Files.delete(spool.resolve(RemovalLog.FILE));
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.RESTORED_ENTRY), "the index is adopted as it is");
        assertEquals(0, seen(alice).size());
        loseRows(r);
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, seen(alice).size(), "the adopted removal is in the log now");
        assertEquals(1, seen(bob).size());
    }

    // ---- re-indexing from the bodies' header records

    /** Deletes a message's rows straight in H2: what an index that lost a synced commit shows. */
    private void loseRows(Receipt r) throws Exception {
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement e = c.prepareStatement(
                    "DELETE FROM mailbox_entries WHERE message_id = (SELECT id FROM messages WHERE queue_id = ?)");
                 PreparedStatement m = c.prepareStatement("DELETE FROM messages WHERE queue_id = ?")) {
                e.setString(1, r.queueId());
                e.executeUpdate();
                m.setString(1, r.queueId());
                m.executeUpdate();
            }
            return null;
        });
    }

    private record Seen(MaildropEntry entry, String text) {}

    private List<Seen> seen(MailAddress box) throws Exception {
        try (Maildrop m = store.maildrops().open(box)) {
            List<Seen> l = new ArrayList<>();
            for (MaildropEntry e : m.listing()) {
                l.add(new Seen(e, read(m, e)));
            }
            return l;
        }
    }

    private static Set<String> uidls(List<Seen> l) {
        Set<String> s = new HashSet<>();
        for (Seen x : l) {
            s.add(x.entry().uidl() + " " + x.entry().octets() + " " + x.entry().arrived() + " " + x.text());
        }
        return s;
    }

    @Test
    void messageWhoseRowsTheIndexLostIsListedAgainByteExact() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        Receipt both = store.spool().deliver(List.of(alice, bob), bytes("Subject: both\n\nbare LF\nlines\r\n"));
        Receipt imported = store.spool().deliver(alice, "IMPORTED-7", bytes("Subject: imported\r\n\r\nx\r\n"));
        store.spool().deliver(List.of(alice), bytes("Subject: untouched\r\n"));
        List<Seen> aliceBefore = seen(alice);
        List<Seen> bobBefore = seen(bob);
        assertEquals(3, aliceBefore.size());
        loseRows(both);
        loseRows(imported);
        assertEquals(1, seen(alice).size(), "rows gone");
        store = t.restart();
        assertEquals(2, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, metrics.reconciled(Reconciler.ORPHAN_BODY));
        assertEquals(0, metrics.reconciled(Reconciler.UNREFERENCED_MESSAGE));
        List<Seen> aliceAfter = seen(alice);
        assertEquals(uidls(aliceBefore), uidls(aliceAfter), "same UIDLs, octets, arrival and bytes");
        assertEquals(uidls(bobBefore), uidls(seen(bob)));
        assertTrue(aliceAfter.stream().anyMatch(x -> x.entry().uidl().equals("IMPORTED-7")));
        assertTrue(aliceAfter.stream().anyMatch(x -> x.entry().uidl().equals(both.queueId())
                && x.text().equals("Delivered-To: alice@example.test\r\nSubject: both\r\n\r\nbare LF\r\nlines\r\n")));
        // the re-indexed rows are ordinary rows: the next start finds nothing, an expunge works
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY));
        String path = pathOf(both);
        try (Maildrop m = store.maildrops().open(bob)) {
            m.expunge(Set.copyOf(m.listing()));
        }
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.copyOf(m.listing()));
        }
        assertFalse(Files.exists(spool.resolve(path)), "body deleted with its last entry");
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, seen(alice).size());
    }

    @Test
    void expungedEntryNeverComesBackThroughReindexing() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        Receipt r = store.spool().deliver(List.of(alice, bob), bytes("Subject: shared\r\n"));
        String path = pathOf(r);
        try (Maildrop m = store.maildrops().open(alice)) {
            m.expunge(Set.copyOf(m.listing()));
        }
        // alice's entry is gone; bob's keeps the message row, so the body is no orphan
        assertTrue(Files.exists(spool.resolve(path)));
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, seen(alice).size(), "alice's expunged entry stays expunged");
        assertEquals(1, seen(bob).size());
        try (Maildrop m = store.maildrops().open(bob)) {
            m.expunge(Set.copyOf(m.listing()));
        }
        assertFalse(Files.exists(spool.resolve(path)));
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, seen(alice).size());
        assertEquals(0, seen(bob).size());
    }

    /** Writes a body file with a header record straight into msg/, as a delivery cut off before its commit. */
    private Path recordedBody(String queueId, List<SpoolRecord.Entry> entries, String message) throws Exception {
        Path hour = spool.resolve("msg").resolve("2026010100");
        Files.createDirectories(hour);
        Path file = hour.resolve(queueId);
        byte[] header = SpoolRecord.encode(queueId, java.time.Instant.parse("2026-01-01T00:30:00Z"), entries);
        byte[] body = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(header, header.length + body.length);
        System.arraycopy(body, 0, all, header.length, body.length);
        Files.write(file, all);
        return file;
    }

    @Test
    void recordedMailboxThatIsNoUserGetsItsEntryAndExistingUidlsAreSkipped() throws Exception {
        MailAddress bob = Users.add(store, "bob@example.test");
        store.spool().deliver(alice, "TAKEN", bytes("Subject: first\r\n"));
        store.close();
        recordedBody("0000.cut.1", List.of(new SpoolRecord.Entry("alice@example.test", "TAKEN"),
                new SpoolRecord.Entry("bob@example.test", "TAKEN"),
                new SpoolRecord.Entry("gone@example.test", "TAKEN")), "Subject: second\r\n");
        store = t.restart();
        assertEquals(1, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(0, metrics.reconciled(Reconciler.ORPHAN_BODY));
        List<Seen> a = seen(alice);
        assertEquals(1, a.size());
        assertEquals("Delivered-To: alice@example.test\r\nSubject: first\r\n", a.get(0).text(),
                "alice's existing TAKEN is not replaced");
        List<Seen> b = seen(bob);
        assertEquals(1, b.size());
        assertEquals("TAKEN", b.get(0).entry().uidl());
        assertEquals(java.time.Instant.parse("2026-01-01T00:30:00Z"), b.get(0).entry().arrived());
        assertEquals("Delivered-To: bob@example.test\r\nSubject: second\r\n", b.get(0).text());
        // kept for a mailbox that is no user (like a user removed with "keep mail"): served once it is one again
        MailAddress gone = Users.add(store, "gone@example.test");
        assertEquals("Delivered-To: gone@example.test\r\nSubject: second\r\n", seen(gone).get(0).text());
    }

    @Test
    void recordWhoseEntriesAllExistOrDamagedRecordIsQuarantined() throws Exception {
        store.spool().deliver(alice, "TAKEN", bytes("Subject: first\r\n"));
        store.close();
        recordedBody("0000.dup.1", List.of(new SpoolRecord.Entry("alice@example.test", "TAKEN")), "Subject: dup\r\n");
        Path cut = recordedBody("0000.cut.2", List.of(new SpoolRecord.Entry("alice@example.test", "OTHER")), "x\r\n");
        byte[] whole = Files.readAllBytes(cut);
        Files.write(cut, java.util.Arrays.copyOf(whole, 20)); // header cut short
        Path renamed = recordedBody("0000.was.3", List.of(new SpoolRecord.Entry("alice@example.test", "U3")), "y\r\n");
        Files.move(renamed, renamed.resolveSibling("0000.not.3")); // the record names another file
        String longId = "0000.long." + "1".repeat(40); // a valid UIDL, too long for messages.queue_id
        recordedBody(longId, List.of(new SpoolRecord.Entry("alice@example.test", "U4")), "z\r\n");
        store = t.restart();
        assertEquals(0, metrics.reconciled(Reconciler.REINDEXED_BODY));
        assertEquals(4, metrics.reconciled(Reconciler.ORPHAN_BODY));
        assertTrue(Files.exists(spool.resolve("quarantine").resolve("0000.dup.1")));
        assertEquals(1, seen(alice).size());
    }
}
