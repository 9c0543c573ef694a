package org.postkontor.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Administration;
import org.postkontor.store.BackupSummary;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Receipt;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.Users;

/**
 * Online backup and restore: a backup taken while mail is delivered and expunged holds every
 * message acknowledged and every account changed before it began, and a restore makes a data
 * directory that serves them.
 */
class BackupTest {

    @TempDir
    Path dir;

    private static InputStream message(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Mailbox to (UIDL to SHA-256 of the served bytes). */
    private static Map<String, Map<String, String>> served(Store s, List<MailAddress> boxes) throws Exception {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (MailAddress box : boxes) {
            Map<String, String> m = new HashMap<>();
            try (Maildrop d = s.maildrops().open(box)) {
                for (MaildropEntry e : d.listing()) {
                    try (InputStream in = d.open(e)) {
                        byte[] b = in.readAllBytes();
                        assertEquals(e.octets(), b.length);
                        m.put(e.uidl(), sha(b));
                    }
                }
            }
            out.put(box.toString(), m);
        }
        return out;
    }

    private static Store openAt(Path data) throws StoreException {
        StoreConfig under = StoreConfig.under(data);
        return EmbeddedStore.open(new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0),
                new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
    }

    @Test
    void aBackupTakenUnderLoadRestoresEveryMessageAndAccountFromBeforeIt() throws Exception {
        try (TempStore t = TempStore.create()) {
            Store store = t.store();
            MailAddress alice = Users.add(store, "alice@example.test");
            MailAddress bob = Users.add(store, "bob@example.test", 10_000_000, 0, true);
            store.admin().setPassword(bob, "bobs own".toCharArray());
            store.admin().addAlias(MailAddress.parse("team@example.test"), List.of(bob, alice));
            List<MailAddress> boxes = List.of(alice, bob);
            for (int i = 0; i < 40; i++) {
                store.spool().deliver(i % 3 == 0 ? boxes : List.of(boxes.get(i % 2)),
                        message("Subject: before " + i + "\r\n\r\n" + "x".repeat(i * 50) + "\r\n"));
            }
            // one expunged before the backup: it must stay gone
            try (Maildrop d = store.maildrops().open(alice)) {
                d.expunge(Set.of(d.listing().get(0)));
            }
            BadmailStore.BadmailItem item = store.badmail().put(new BadmailStore.BadmailEnvelope("s@remote.example",
                    List.of("nobody@example.test"), "192.0.2.1", "helo", null), new BadmailStore.BadmailReason(
                    "unknown_user", 550, "5.1.1", "no such user", null), message("Subject: bad\r\n\r\nx\r\n"));
            Map<String, Map<String, String>> before = served(store, boxes);

            // load: deliveries to both, and an expunger that deletes what arrives meanwhile
            AtomicBoolean stop = new AtomicBoolean();
            Set<String> during = ConcurrentHashMap.newKeySet();
            AtomicInteger delivered = new AtomicInteger();
            AtomicInteger expunged = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(3);
            List<Future<?>> jobs = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int id = w;
                jobs.add(load.submit(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        Receipt r = store.spool().deliver(boxes, message("Subject: during " + id + " " + n
                                + "\r\n\r\nbody\r\n"));
                        during.add(r.queueId());
                        delivered.incrementAndGet();
                    }
                    return null;
                }));
            }
            jobs.add(load.submit(() -> {
                while (!stop.get()) {
                    try (Maildrop d = store.maildrops().open(bob)) {
                        Set<MaildropEntry> fresh = new java.util.HashSet<>();
                        for (MaildropEntry e : d.listing()) {
                            if (during.contains(e.uidl())) {
                                fresh.add(e);
                            }
                        }
                        d.expunge(fresh);
                        expunged.addAndGet(fresh.size());
                    } catch (org.postkontor.store.MailboxInUseException e) {
                        // the check below holds the maildrop a moment
                    }
                    Thread.sleep(5);
                }
                return null;
            }));
            Thread.sleep(100);
            Path backup = dir.resolve("backup-1");
            BackupSummary summary = store.backup(backup, null);
            stop.set(true);
            for (Future<?> j : jobs) {
                j.get(60, TimeUnit.SECONDS);
            }
            load.shutdown();
            assertTrue(delivered.get() > 0 && expunged.get() > 0, "the backup ran under load: " + delivered + " in, "
                    + expunged + " out");
            assertTrue(summary.bodies() >= 39, summary.toString());
            assertEquals(1, summary.badmail());

            Path restored = dir.resolve("restored");
            EmbeddedStore.restore(backup, StoreConfig.under(restored));
            try (Store r = openAt(restored)) {
                Map<String, Map<String, String>> after = served(r, boxes);
                for (MailAddress box : boxes) {
                    for (Map.Entry<String, String> e : before.get(box.toString()).entrySet()) {
                        assertEquals(e.getValue(), after.get(box.toString()).get(e.getKey()),
                                "message " + e.getKey() + " of " + box + " restored byte for byte");
                    }
                    for (String uidl : after.get(box.toString()).keySet()) {
                        assertTrue(before.get(box.toString()).containsKey(uidl) || during.contains(uidl),
                                "nothing but mail: " + uidl);
                    }
                }
                assertEquals(store.admin().domains(), r.admin().domains());
                assertEquals(store.admin().aliases(Optional.empty()), r.admin().aliases(Optional.empty()));
                assertEquals(List.of(alice, bob), r.admin().users(Optional.empty()).stream()
                        .map(org.postkontor.store.Account::address).toList());
                assertEquals(10_000_000, r.admin().user(bob).orElseThrow().quotaBytes());
                assertEquals(Optional.of(bob), r.accounts().authenticate("bob@example.test",
                        "bobs own".toCharArray()));
                assertEquals(Optional.of(item), r.badmail().get(item.id()));
            }
        }
    }

    @Test
    void aSecondBackupLinksTheMessageFilesTheFirstHas() throws Exception {
        try (TempStore t = TempStore.create()) {
            MailAddress alice = Users.add(t.store(), "alice@example.test");
            for (int i = 0; i < 5; i++) {
                t.store().spool().deliver(List.of(alice), message("Subject: " + i + "\r\n\r\nx\r\n"));
            }
            Path first = dir.resolve("b1");
            t.store().backup(first, null);
            t.store().spool().deliver(List.of(alice), message("Subject: new\r\n\r\nx\r\n"));
            BackupSummary second = t.store().backup(dir.resolve("b2"), first);
            assertEquals(6, second.bodies());
            assertEquals(5, second.linked());
            try (var s = Files.walk(first.resolve("spool").resolve("msg"))) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    Path twin = dir.resolve("b2").resolve(first.relativize(p).toString());
                    assertTrue(Files.isSameFile(p, twin), "hard link: " + twin);
                }
            }
        }
    }

    @Test
    void aCutOffBackupAndATargetInUseAreRefused() throws Exception {
        try (TempStore t = TempStore.create()) {
            Users.add(t.store(), "alice@example.test");
            Path backup = dir.resolve("b");
            t.store().backup(backup, null);
            StoreException exists = assertThrows(StoreException.class, () -> t.store().backup(backup, null));
            assertTrue(exists.getMessage().contains("exists"), exists.getMessage());
            StoreException inUse = assertThrows(StoreException.class,
                    () -> EmbeddedStore.restore(backup, t.config()));
            assertTrue(inUse.getMessage().contains("not empty"), inUse.getMessage());
            Files.delete(backup.resolve("postkontor-backup.properties"));
            StoreException cut = assertThrows(StoreException.class,
                    () -> EmbeddedStore.restore(backup, StoreConfig.under(dir.resolve("new"))));
            assertTrue(cut.getMessage().contains("not a complete backup"), cut.getMessage());
        }
    }

    @Test
    void anAdminChangeAfterTheBackupIsNotInIt() throws Exception {
        try (TempStore t = TempStore.create()) {
            Administration admin = t.store().admin();
            Users.add(t.store(), "alice@example.test");
            t.store().backup(dir.resolve("b"), null);
            admin.removeUser(MailAddress.parse("alice@example.test"), true);
            EmbeddedStore.restore(dir.resolve("b"), StoreConfig.under(dir.resolve("r")));
            try (Store r = openAt(dir.resolve("r"))) {
                assertTrue(r.admin().user(MailAddress.parse("alice@example.test")).isPresent());
            }
        }
    }
}
