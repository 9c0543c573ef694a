package org.postkontor.deploy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.deploy.backup.BackupSchedule;

/**
 * {@link BackupSchedule.Metrics} as {@code postkontor_backup_*} (README.md, Metrics): the time of the
 * newest complete backup, the schedule's interval, the last one's duration and size, and backups by
 * result. Registered only when scheduled backups are on.
 */
public final class BackupMeters implements BackupSchedule.Metrics {

    private final AtomicLong lastSuccess = new AtomicLong();
    private final AtomicLong lastMillis = new AtomicLong();
    private final AtomicLong lastBytes = new AtomicLong();
    private final Counter ok;
    private final Counter failed;

    public BackupMeters(MeterRegistry r, Duration interval) {
        Gauge.builder("postkontor.backup.last.success.timestamp", lastSuccess, AtomicLong::get)
                .description("Unix time of the newest complete backup (or of the start, with none yet)")
                .baseUnit("seconds").register(r);
        Gauge.builder("postkontor.backup.interval", () -> interval.toSeconds())
                .description("Time between two scheduled backups").baseUnit("seconds").register(r);
        Gauge.builder("postkontor.backup.last.duration", lastMillis, v -> v.get() / 1000.0)
                .description("How long the last complete backup took").baseUnit("seconds").register(r);
        Gauge.builder("postkontor.backup.last.size", lastBytes, AtomicLong::get)
                .description("Bytes of message files in the last complete backup (copied or linked)")
                .baseUnit("bytes").register(r);
        ok = Meters.counter(r, "postkontor.backups", "Scheduled backups, by result", "result", "ok");
        failed = Meters.counter(r, "postkontor.backups", "Scheduled backups, by result", "result", "failed");
    }

    @Override
    public void lastSuccess(Instant at) {
        lastSuccess.set(at.getEpochSecond());
    }

    @Override
    public void succeeded(Duration took, long bytes) {
        ok.increment();
        lastMillis.set(took.toMillis());
        lastBytes.set(bytes);
    }

    @Override
    public void failed() {
        failed.increment();
    }
}
