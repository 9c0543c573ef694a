package org.postkontor.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The index syncer: asked for, it syncs; requests made meanwhile share syncs; close waits for it. */
@Timeout(120)
class DatabaseSyncerTest {

    @TempDir
    Path dir;

    @Test
    void syncSoonSyncsInTheBackgroundAndCoalescesRequests() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        Database db = Database.open(dir);
        try {
            db.onBackgroundSync(d -> {
                syncs.incrementAndGet();
                first.countDown();
            });
            db.writeUnsynced(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO domains (name, created_at) VALUES ('a.test', CURRENT_TIMESTAMP)")) {
                    ps.executeUpdate();
                }
                return null;
            });
            db.syncSoon();
            assertTrue(first.await(30, TimeUnit.SECONDS), "the syncer ran");
            for (int i = 0; i < 200; i++) {
                db.syncSoon();
            }
        } finally {
            db.close(); // waits for the syncer's last sync
        }
        assertTrue(syncs.get() >= 1 && syncs.get() <= 201, "syncs: " + syncs.get());
        Database again = Database.open(dir);
        try {
            int n = again.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM domains WHERE name = 'a.test'");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertEquals(1, n);
        } finally {
            again.close();
        }
    }

    @Test
    void closeWithoutRequestsStopsTheSyncer() throws Exception {
        Database db = Database.open(dir);
        db.close(); // the class's timeout catches a syncer that would not stop
        Database.open(dir).close();
    }
}
