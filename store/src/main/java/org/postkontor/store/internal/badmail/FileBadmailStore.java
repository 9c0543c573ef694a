package org.postkontor.store.internal.badmail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.FileCopies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BadmailStore} as durable files under the badmail directory ({@link BadmailFiles}: the
 * record of truth), listed from an in-memory index built from them at start ({@link #open}).
 *
 * <p>An item id is {@code yyyyMMddTHHmmss-} (its arrival in UTC) plus 10 random base-32
 * characters, so ids sort roughly by age and are safe in paths and URLs. Envelope and reason
 * fields from the network are cut to fixed widths, never refused. {@link #put} refuses with
 * {@link InsufficientStorageException} when the badmail volume has less than the free-disk reserve
 * available, and aborts (nothing kept) when the original would cross the reserve while being
 * written. Thread-safe.
 */
public final class FileBadmailStore implements BadmailStore {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final BadmailFiles files;
    private final BadmailIndex index = new BadmailIndex();
    private final long freeDiskReserveBytes;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private FileBadmailStore(BadmailFiles files, long freeDiskReserveBytes, Clock clock) {
        this.files = files;
        this.freeDiskReserveBytes = freeDiskReserveBytes;
        this.clock = clock;
    }

    /**
     * Opens the badmail directory (created if missing) and indexes its items; what the scan cleared
     * up is counted in {@code metrics} as {@code badmail_temp_file}, {@code badmail_orphan_file} and
     * {@code badmail_stray_envelope}.
     */
    public static FileBadmailStore open(Path badmailDir, long freeDiskReserveBytes, Clock clock, StoreMetrics metrics)
            throws StoreException {
        Objects.requireNonNull(badmailDir, "badmailDir");
        Objects.requireNonNull(clock, "clock");
        if (freeDiskReserveBytes < 0) {
            throw new IllegalArgumentException("free disk reserve must be >= 0");
        }
        Path root = badmailDir.toAbsolutePath().normalize();
        try {
            BadmailFiles files = new BadmailFiles(root, new DurableFiles(root, metrics));
            FileBadmailStore store = new FileBadmailStore(files, freeDiskReserveBytes, clock);
            BadmailFiles.Scan scan = files.scan();
            scan.items().forEach(store.index::add);
            metrics.reconciled("badmail_temp_file", scan.tempFiles());
            metrics.reconciled("badmail_orphan_file", scan.orphans());
            metrics.reconciled("badmail_stray_envelope", scan.strayEnvelopes());
            if (scan.orphans() > 0) {
                log.warn("badmail indexed: {} item(s); {} temp file(s) deleted, {} original(s) without a readable"
                        + " envelope moved aside, {} stray envelope(s) deleted", scan.items().size(), scan.tempFiles(),
                        scan.orphans(), scan.strayEnvelopes());
            } else {
                log.info("badmail indexed: {} item(s); {} temp file(s) and {} stray envelope(s) deleted",
                        scan.items().size(), scan.tempFiles(), scan.strayEnvelopes());
            }
            return store;
        } catch (IOException e) {
            throw new StoreException("cannot open the badmail directory " + root, e);
        }
    }

    @Override
    public BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original)
            throws StoreException {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(original, "original");
        Instant now = BadmailFields.micros(clock.instant());
        BadmailEnvelope env = BadmailFields.envelope(envelope, now);
        BadmailReason why = BadmailFields.reason(reason, now);
        long room = roomBeforeReserve();
        if (room <= 0) {
            throw new InsufficientStorageException("badmail volume is at its free-disk reserve");
        }
        BadmailItem item;
        try {
            item = files.write(new BadmailItem(BadmailFields.newId(now, random), env, why, 0), original, room);
        } catch (BadmailFiles.ReserveReached e) {
            throw new InsufficientStorageException("badmail original would cross the free-disk reserve");
        } catch (IOException e) {
            if (DurableFiles.outOfSpace(e)) {
                throw new InsufficientStorageException("badmail volume full while writing", e);
            }
            throw new StoreException("cannot write a badmail item", e);
        }
        index.add(item);
        return item;
    }

    @Override
    public boolean remove(String id) throws StoreException {
        if (!BadmailFields.validId(id) || index.get(id).isEmpty()) {
            return false;
        }
        try {
            if (!files.delete(id)) {
                return false; // a concurrent remove won
            }
        } catch (IOException e) {
            throw new StoreException("cannot remove badmail item " + id, e);
        }
        return index.remove(id);
    }

    @Override
    public List<BadmailItem> list(BadmailQuery query) throws StoreException {
        BadmailQuery q = query == null ? BadmailQuery.ALL : query;
        if (q.offset() < 0 || q.limit() < 0) {
            throw new IllegalArgumentException("offset and limit must be >= 0");
        }
        return index.list(q);
    }

    @Override
    public Optional<BadmailItem> get(String id) {
        if (!BadmailFields.validId(id)) {
            return Optional.empty();
        }
        return index.get(id);
    }

    @Override
    public InputStream open(String id) throws StoreException {
        if (get(id).isEmpty()) {
            throw new NotFoundException("no such badmail item: " + id);
        }
        try {
            return files.open(id);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("badmail item " + id + " was removed", e);
        } catch (IOException e) {
            throw new StoreException("cannot read badmail item " + id, e);
        }
    }

    @Override
    public BadmailTotals totals() {
        return index.totals();
    }

    /**
     * Copies every item listed now into {@code target} (a backup); returns how many. An item
     * removed while the copy runs is left out.
     */
    public int backup(Path target) throws IOException {
        Files.createDirectories(target);
        List<FileCopies.Copy> copies = new ArrayList<>();
        List<BadmailItem> items = index.list(BadmailQuery.ALL);
        for (BadmailItem item : items) {
            copies.addAll(files.copies(item.id(), target));
        }
        FileCopies.Result r = FileCopies.run(copies, target);
        int missing = r.skipped(); // an item removed meanwhile lacks one or both files
        if (missing > 0) {
            files.dropIncomplete(target);
        }
        return (int) files.countItems(target);
    }

    private long roomBeforeReserve() throws StoreException {
        try {
            return DurableFiles.usableSpace(files.root()) - freeDiskReserveBytes;
        } catch (IOException e) {
            throw new StoreException("cannot read the free space of the badmail volume", e);
        }
    }
}
