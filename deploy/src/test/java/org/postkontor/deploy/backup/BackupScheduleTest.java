package org.postkontor.deploy.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.config.ApplianceConfig.BackupSettings;
import org.postkontor.store.BackupSummary;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.MutableClock;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.Users;

class BackupScheduleTest {

    @TempDir
    Path dir;

    private static final class Recorded implements BackupSchedule.Metrics {
        final List<Instant> successes = new ArrayList<>();
        int ok;
        int failed;

        @Override
        public void lastSuccess(Instant at) {
            successes.add(at);
        }

        @Override
        public void succeeded(Duration took, long bytes) {
            ok++;
        }

        @Override
        public void failed() {
            failed++;
        }
    }

    @Test
    void eachBackupLinksTheLastOneAndOnlyTheNewestAreKept() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T03:00:00Z"));
        Path backups = dir.resolve("backups");
        Recorded metrics = new Recorded();
        try (TempStore t = TempStore.create()) {
            MailAddress alice = Users.add(t.store(), "alice@example.test");
            BackupSchedule schedule = new BackupSchedule(t.store(), new BackupSettings(Optional.of(backups),
                    Duration.ofDays(1), 2), clock, metrics);
            schedule.start();
            assertEquals(List.of(clock.instant()), metrics.successes, "none yet: the start counts");
            assertEquals(Optional.empty(), schedule.lastComplete(), "the status says none yet");
            // a backup cut off by a stop: no manifest
            Files.createDirectories(backups.resolve("postkontor-20261130T030000Z").resolve("spool"));
            List<Integer> linked = new ArrayList<>();
            for (int day = 0; day < 4; day++) {
                t.store().spool().deliver(List.of(alice), new ByteArrayInputStream(("Subject: " + day
                        + "\r\n\r\nx\r\n").getBytes()));
                clock.advance(Duration.ofDays(1));
                BackupSummary s = schedule.runOnce().orElseThrow();
                assertEquals(day + 1, s.bodies());
                linked.add(s.linked());
            }
            schedule.close(Duration.ofSeconds(5));
            assertEquals(List.of(0, 1, 2, 3), linked, "every message file of the backup before is linked");
            assertEquals(List.of("postkontor-20261205T030000Z", "postkontor-20261204T030000Z"),
                    schedule.complete().stream().map(p -> p.getFileName().toString()).toList());
            assertFalse(Files.exists(backups.resolve("postkontor-20261130T030000Z")), "the cut-off one is gone");
            assertEquals(4, metrics.ok);
            assertEquals(0, metrics.failed);
            assertEquals(clock.instant(), metrics.successes.get(metrics.successes.size() - 1));
            assertEquals(Optional.of(clock.instant()), schedule.lastComplete());
            assertEquals(Optional.empty(), schedule.lastFailure());
        }
    }

    @Test
    void aFailedBackupIsCountedAndKeepsTheLastSuccess() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T03:00:00Z"));
        Path backups = dir.resolve("backups");
        Recorded metrics = new Recorded();
        try (TempStore t = TempStore.create()) {
            BackupSchedule schedule = new BackupSchedule(t.store(), new BackupSettings(Optional.of(backups),
                    Duration.ofDays(1), 2), clock, metrics);
            schedule.start();
            Files.createDirectories(backups.resolve("postkontor-20261201T030000Z")); // the target exists
            assertTrue(schedule.runOnce().isEmpty());
            assertEquals(1, metrics.failed);
            assertEquals(1, metrics.successes.size());
            assertEquals(Optional.of(clock.instant()), schedule.lastFailure());
            assertEquals(Optional.empty(), schedule.lastComplete());
            schedule.close(Duration.ofSeconds(5));
        }
    }
}
