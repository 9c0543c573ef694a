package org.postkontor.deploy.backup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postkontor.deploy.config.ApplianceConfig.BackupSettings;
import org.postkontor.store.BackupSummary;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.postkontor.store.BackupManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled online backups ({@code backup.dir}, {@code backup.interval}, {@code backup.keep}): every
 * interval, a new directory {@code postkontor-<UTC time>} under the backup directory gets
 * {@link Store#backup}, hard-linking the message files of the newest complete backup there; once it
 * is complete, complete backups beyond {@code keep} (oldest first) are deleted, and so are
 * incomplete ones older than it (a backup cut off by a stop or a crash: it has no manifest). The
 * time of the newest complete backup, or of the start when there is none yet, goes to
 * {@link Metrics#lastSuccess}, so that an alert can tell when backups stop.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} at shutdown (waits for a backup in progress,
 * at most the given time; one cut off is deleted at the next run). One platform thread, scheduled.
 */
public final class BackupSchedule implements AutoCloseable {

    /** What the schedule reports; bound to Prometheus by the caller. */
    public interface Metrics {
        /** The newest complete backup finished at {@code at} (or the appliance started then, with none yet). */
        default void lastSuccess(Instant at) {}

        default void succeeded(Duration took, long bytes) {}

        default void failed() {}
    }

    private static final Logger log = LoggerFactory.getLogger("postkontor.backup");
    static final String PREFIX = "postkontor-";
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Store store;
    private final Path dir;
    private final Duration interval;
    private final int keep;
    private final Clock clock;
    private final Metrics metrics;
    private volatile Instant lastComplete;
    private volatile Instant lastFailure;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("postkontor-backup").daemon().unstarted(r));

    public BackupSchedule(Store store, BackupSettings settings, Clock clock, Metrics metrics) {
        this.store = store;
        this.dir = settings.dir().orElseThrow(() -> new IllegalArgumentException("no backup.dir"));
        this.interval = settings.interval();
        this.keep = settings.keep();
        this.clock = clock;
        this.metrics = metrics;
    }

    public void start() throws IOException {
        Files.createDirectories(dir);
        lastComplete = newestComplete().map(this::finished).orElse(null);
        metrics.lastSuccess(lastComplete == null ? clock.instant() : lastComplete);
        thread.scheduleWithFixedDelay(this::runOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("event=backup_schedule dir={} interval={} keep={}", dir, interval, keep);
    }

    /** One backup now, then the clean-up; failures are logged and counted, never thrown. */
    public Optional<BackupSummary> runOnce() {
        Path target = dir.resolve(PREFIX + NAME.format(clock.instant()));
        try {
            Path previous = newestComplete().orElse(null);
            BackupSummary s = store.backup(target, previous);
            metrics.succeeded(s.took(), s.bytes());
            lastComplete = clock.instant();
            metrics.lastSuccess(lastComplete);
            log.info("event=backup dir={} message_files={} linked={} bytes={} badmail={} ms={}", target, s.bodies(),
                    s.linked(), s.bytes(), s.badmail(), s.took().toMillis());
            prune(target);
            return Optional.of(s);
        } catch (StoreException | IOException | RuntimeException e) {
            metrics.failed();
            lastFailure = clock.instant();
            log.error("event=backup_failed dir={} reason=\"{}\"", target, e.getMessage());
            return Optional.empty();
        }
    }

    public Path dir() {
        return dir;
    }

    /** When the newest complete backup finished; empty when there is none. */
    public Optional<Instant> lastComplete() {
        return Optional.ofNullable(lastComplete);
    }

    /** When the last backup that failed was given up, since the start. */
    public Optional<Instant> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /** Complete backups, newest first. */
    List<Path> complete() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : backups()) {
            if (Files.isRegularFile(p.resolve(BackupManifest.FILE))) {
                out.add(p);
            }
        }
        return out;
    }

    private Optional<Path> newestComplete() throws IOException {
        return complete().stream().findFirst();
    }

    private Instant finished(Path backup) {
        try {
            return BackupManifest.read(backup).finished();
        } catch (IOException e) {
            return clock.instant();
        }
    }

    /** Every {@code postkontor-*} directory here, newest first (their names sort by time). */
    private List<Path> backups() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : d) {
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        return out;
    }

    private void prune(Path newest) throws IOException {
        List<Path> complete = complete();
        for (Path old : complete.subList(Math.min(keep, complete.size()), complete.size())) {
            deleteTree(old);
            log.info("event=backup_deleted dir={} reason=keep", old);
        }
        for (Path p : backups()) {
            if (!complete.contains(p) && p.getFileName().toString().compareTo(newest.getFileName().toString()) < 0) {
                deleteTree(p);
                log.info("event=backup_deleted dir={} reason=incomplete", p);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Stops the schedule; waits up to {@code wait} for a backup in progress. */
    public void close(Duration wait) {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("event=backup_cut_off reason=\"stopping\"");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(TimeUnit.MINUTES.toSeconds(1)));
    }
}
