package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.postkontor.store.internal.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the mail index at start from the record of truth, whether the last stop was clean or
 * not, before anything is served. A mailbox holds the entry (body, mailbox) exactly when the body
 * file exists under {@code msg/}, its header record names the mailbox, and the removal log does
 * not. Steps, each counted (the counts go to the log and to {@code StoreMetrics.reconciled}):
 * <ul>
 *   <li>{@code tmp_file}: files in {@code tmp/} were never acknowledged: deleted.</li>
 *   <li>{@code cataloged_body} / {@code read_body}: the records of the bodies on disk come from
 *       the {@link SpoolCatalog} where it names them, else from the files (read in parallel), so
 *       a start reads only the bodies that came since the catalog was written.</li>
 *   <li>{@code deleted_body}: a body whose every recorded entry is removed (its last entry was
 *       expunged, then the process died before the file was gone): deleted. So is an empty file:
 *       every body the spool writes starts with its record, and an empty one is a body whose move
 *       to tmp/ for reuse a crash undid while its emptying stayed ({@link BodyReaper}).</li>
 *   <li>{@code orphan_body}: a file with no valid record (damaged, or not written by the spool),
 *       or whose every entry's UIDL is taken by an older body: moved to {@code quarantine/}, never
 *       deleted, so that an admin can look.</li>
 * </ul>
 * Entries are numbered in arrival order, so listings are oldest first. Then the removal log is
 * compacted, empty hour directories other than the current one are removed, and a fresh catalog
 * is written.
 */
public final class SpoolLoader {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    public static final String TMP_FILE = "tmp_file";
    public static final String CATALOGED_BODY = "cataloged_body";
    public static final String READ_BODY = "read_body";
    public static final String DELETED_BODY = "deleted_body";
    public static final String ORPHAN_BODY = "orphan_body";

    /** Bodies whose records one reader task reads. */
    private static final int CHUNK = 256;

    private final MailIndex index;
    private final SpoolLayout layout;
    private final DurableFiles files;
    private final RemovalLog removals;
    private final Path indexDir;
    private final DurableFiles indexFiles;
    private final Clock clock;
    private String phases = "";

    SpoolLoader(MailIndex index, SpoolLayout layout, DurableFiles files, RemovalLog removals, Path indexDir,
                DurableFiles indexFiles, Clock clock) {
        this.index = index;
        this.layout = layout;
        this.files = files;
        this.removals = removals;
        this.indexDir = indexDir;
        this.indexFiles = indexFiles;
        this.clock = clock;
    }

    /** Fills the (empty) index; returns the counts by kind. */
    Map<String, Integer> load() throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Phases phases = new Phases();
        counts.put(TMP_FILE, files.clearTmp());
        files.createDirectoriesDurably(layout.msgDir());
        Map<String, Body> catalog = SpoolCatalog.read(indexDir, index);
        int cataloged = catalog.size();
        phases.done("catalog");
        List<Body> bodies = new ArrayList<>(catalog.size());
        List<Path> unknown = new ArrayList<>();
        List<Path> orphans = new ArrayList<>();
        String[] hours = layout.msgDir().toFile().list(); // names only: no Path per body
        if (hours == null) {
            throw new IOException("cannot list " + layout.msgDir());
        }
        for (String hour : hours) {
            Path hourDir = layout.msgDir().resolve(hour);
            String[] names = hourDir.toFile().list();
            if (names == null) {
                orphans.add(hourDir); // not a directory
                continue;
            }
            String shared = index.canonical(hour);
            for (String name : names) {
                Body known = catalog.remove(name);
                if (known != null && known.hour.equals(shared)) {
                    bodies.add(known);
                } else {
                    unknown.add(hourDir.resolve(name));
                }
            }
        }
        counts.put(CATALOGED_BODY, bodies.size());
        counts.put(READ_BODY, unknown.size());
        boolean catalogStale = !unknown.isEmpty() || !catalog.isEmpty() || bodies.size() != cataloged;
        phases.done("listing");
        List<Optional<Body>> read = readAll(unknown);
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < read.size(); i++) {
            if (read.get(i).isPresent()) {
                bodies.add(read.get(i).get());
            } else if (emptyFile(unknown.get(i))) {
                dead.add(layout.relativize(unknown.get(i))); // emptied for reuse: a crash undid the move
            } else {
                orphans.add(unknown.get(i)); // no valid record
            }
        }
        phases.done("records");
        Map<String, Set<String>> removed = removedByQueueId();
        bodies.sort(Comparator.comparingLong((Body b) -> b.arrivedMillis).thenComparing(b -> b.queueId));
        for (Body b : bodies) {
            Set<String> gone = removed.get(b.queueId);
            int live = b.recorded.length;
            if (gone != null) {
                for (String m : b.recorded) {
                    if (gone.contains(m)) {
                        live--;
                    }
                }
            }
            if (live == 0) {
                dead.add(b.path());
                continue;
            }
            if (index.body(b.queueId) != null) {
                orphans.add(layout.resolve(b.path())); // the same queue id in another hour: not ours to guess
                continue;
            }
            b.retain(live);
            index.addBody(b);
            int added = 0;
            for (int i = 0; i < b.recorded.length; i++) {
                if (gone != null && gone.contains(b.recorded[i])) {
                    continue;
                }
                if (index.mailbox(b.recorded[i]).add(index.newEntry(b, b.uidl(i)))) {
                    added++;
                } else {
                    log.warn("body {}: its UIDL in {} is taken by an older body; that entry is left out", b.path(),
                            b.recorded[i]);
                    b.release();
                }
            }
            if (added == 0) {
                index.removeBody(b);
                orphans.add(layout.resolve(b.path()));
            }
        }
        phases.done("index");
        for (String p : dead) {
            DurableFiles.deleteQuietly(layout.resolve(p));
        }
        counts.put(DELETED_BODY, dead.size());
        counts.put(ORPHAN_BODY, quarantine(orphans));
        removals.compact(p -> Files.exists(layout.resolve(p)));
        removeEmptyHourDirs();
        phases.done("clean-up");
        if (catalogStale || !dead.isEmpty() || !orphans.isEmpty()) {
            SpoolCatalog.write(indexDir, index.bodies(), indexFiles);
            phases.done("catalog write");
        }
        this.phases = phases.toString();
        return counts;
    }

    /** How long each step of the last {@link #load} took, for the log. */
    String phases() {
        return phases;
    }

    /** The removal log by body: queue id (a body file's name) to the mailboxes removed from it. */
    private Map<String, Set<String>> removedByQueueId() throws IOException {
        Map<String, Set<String>> out = new HashMap<>();
        for (String key : removals.removed()) {
            int sp = key.indexOf(' ');
            String path = key.substring(0, sp);
            out.computeIfAbsent(path.substring(path.lastIndexOf('/') + 1), k -> new HashSet<>())
                    .add(key.substring(sp + 1));
        }
        return out;
    }

    /** Elapsed time per step. */
    private static final class Phases {
        private final StringBuilder text = new StringBuilder();
        private long last = System.nanoTime();

        void done(String step) {
            long now = System.nanoTime();
            text.append(text.isEmpty() ? "" : ", ").append(step).append(' ').append((now - last) / 1_000_000)
                    .append(" ms");
            last = now;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** The records of these files, in the same order; empty for a file without a valid one. */
    private List<Optional<Body>> readAll(List<Path> paths) throws IOException {
        if (paths.isEmpty()) {
            return List.of();
        }
        List<Optional<Body>> out = new ArrayList<>(paths.size());
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Optional<Body>>>> chunks = new ArrayList<>();
            for (int from = 0; from < paths.size(); from += CHUNK) {
                List<Path> chunk = paths.subList(from, Math.min(paths.size(), from + CHUNK));
                chunks.add(readers.submit(() -> {
                    List<Optional<Body>> r = new ArrayList<>(chunk.size());
                    for (Path p : chunk) {
                        r.add(readBody(p));
                    }
                    return r;
                }));
            }
            for (Future<List<Optional<Body>>> f : chunks) {
                out.addAll(f.get());
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("cannot read the spool", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the spool", e);
        }
        return out;
    }

    private static boolean emptyFile(Path file) {
        try {
            return Files.isRegularFile(file) && Files.size(file) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private Optional<Body> readBody(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Optional<SpoolRecord> record = SpoolRecord.read(file);
        if (record.isEmpty()) {
            return Optional.empty();
        }
        SpoolRecord r = record.get();
        long size = Files.size(file);
        String hour = file.getParent().getFileName().toString();
        if (!r.queueId().equals(file.getFileName().toString()) || size < r.bodyOffset()
                || r.bodyOffset() > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        String[] recorded = new String[r.entries().size()];
        String[] uidls = new String[recorded.length];
        boolean custom = false;
        for (int i = 0; i < recorded.length; i++) {
            SpoolRecord.Entry e = r.entries().get(i);
            recorded[i] = index.canonical(e.mailbox());
            uidls[i] = e.uidl();
            custom |= !e.uidl().equals(r.queueId());
        }
        return Optional.of(new Body(r.queueId(), index.canonical(hour), r.received().toEpochMilli(),
                (int) r.bodyOffset(), size - r.bodyOffset(), recorded, custom ? uidls : null));
    }

    private int quarantine(List<Path> orphans) throws IOException {
        if (orphans.isEmpty()) {
            return 0;
        }
        files.createDirectoriesDurably(layout.quarantineDir());
        Set<Path> dirs = new HashSet<>();
        for (Path from : orphans) {
            Path to = layout.quarantineDir().resolve(from.getFileName());
            if (Files.exists(to)) {
                to = layout.quarantineDir().resolve(from.getFileName() + "." + clock.millis());
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            dirs.add(from.getParent());
            log.warn("spool file without a valid header record, or with nothing left to list, quarantined: {}",
                    layout.relativize(to));
        }
        dirs.add(layout.quarantineDir());
        for (Path d : dirs) {
            files.syncDirectory(d);
        }
        return orphans.size();
    }

    private void removeEmptyHourDirs() throws IOException {
        String current = SpoolLayout.hourDir(clock.instant());
        boolean removed = false;
        try (DirectoryStream<Path> hours = Files.newDirectoryStream(layout.msgDir())) {
            for (Path hour : hours) {
                if (!Files.isDirectory(hour) || hour.getFileName().toString().equals(current)) {
                    continue;
                }
                try (DirectoryStream<Path> d = Files.newDirectoryStream(hour)) {
                    if (d.iterator().hasNext()) {
                        continue;
                    }
                }
                Files.deleteIfExists(hour);
                removed = true;
            }
        }
        if (removed) {
            files.syncDirectory(layout.msgDir());
        }
    }
}
