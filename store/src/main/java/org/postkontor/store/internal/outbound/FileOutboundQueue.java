package org.postkontor.store.internal.outbound;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.FileCopies;
import org.postkontor.store.internal.files.LineLog;
import org.postkontor.store.internal.mail.QueueIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link OutboundQueue}: files under {@code <spool>/outbound/} (the spool's volume),
 * the record of truth, and their state in memory, built from them at every start.
 *
 * <ul>
 *   <li>A message is {@code msg/<id>}: its {@link OutboundRecord} (envelope) and the bytes,
 *       written under {@code tmp/}, fsynced, moved atomically into place, {@code msg/} fsynced,
 *       before {@link #enqueue} returns (and so before the submission's 250).</li>
 *   <li>What happened since is {@code state.log}, a checksummed {@link LineLog} fsynced before a
 *       change returns: {@link QueueLog} lines for a recipient's outcome, the delay warning, a
 *       retry and a deletion.</li>
 *   <li>A start reads every file's record, applies the log, deletes the files of messages with no
 *       pending recipient or deleted, fsyncs {@code msg/}, and rewrites the log with the live
 *       messages' lines only. Temp files are cleared; a file without a valid record is moved to
 *       {@code quarantine/} and never deleted.</li>
 * </ul>
 * A kill at any moment loses nothing {@link #enqueue} acknowledged and forgets at most the outcome
 * being recorded (the recipient is then tried again: delivered twice at worst, as SMTP allows).
 * Thread-safe.
 */
public final class FileOutboundQueue implements OutboundQueue, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    public static final String DIR = "outbound";
    static final String LOG = "state.log";

    private final DurableFiles files;
    private final Path msgDir;
    private final LineLog stateLog;
    private final long reserveBytes;
    private final Clock clock;
    private final QueueIds ids;
    private final ReentrantLock lock = new ReentrantLock();
    /** Backups hold the write side: files are not deleted while they copy. */
    private final ReentrantReadWriteLock deletions = new ReentrantReadWriteLock();
    private final Map<String, QueueEntry> entries = new LinkedHashMap<>();

    private FileOutboundQueue(DurableFiles files, LineLog stateLog, long reserveBytes, Clock clock) {
        this.files = files;
        this.msgDir = files.root().resolve("msg");
        this.stateLog = stateLog;
        this.reserveBytes = reserveBytes;
        this.clock = clock;
        this.ids = new QueueIds(clock);
    }

    /** Opens the queue under {@code spoolDir/outbound} and builds its state from the files. */
    public static FileOutboundQueue open(Path spoolDir, long reserveBytes, Clock clock, StoreMetrics metrics)
            throws StoreException {
        LineLog stateLog = null;
        try {
            DurableFiles files = new DurableFiles(spoolDir.resolve(DIR), metrics);
            files.createDirectoriesDurably(files.root().resolve("msg"));
            int temp = files.clearTmp();
            stateLog = LineLog.open(files.root().resolve(LOG), files);
            FileOutboundQueue q = new FileOutboundQueue(files, stateLog, reserveBytes, clock);
            q.load(temp, metrics);
            return q;
        } catch (IOException | RuntimeException e) {
            if (stateLog != null) {
                stateLog.close();
            }
            throw new StoreException("cannot open the outbound queue under " + spoolDir.resolve(DIR), e);
        }
    }

    private void load(int tempFiles, StoreMetrics metrics) throws IOException {
        int quarantined = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(msgDir)) {
            for (Path f : s) {
                OutboundRecord r;
                try (InputStream in = new BufferedInputStream(Files.newInputStream(f))) {
                    r = OutboundRecord.read(in);
                }
                if (r == null || !r.id().equals(f.getFileName().toString())) {
                    Path q = files.root().resolve("quarantine");
                    files.createDirectoriesDurably(q);
                    Files.move(f, q.resolve(f.getFileName()));
                    quarantined++;
                    continue;
                }
                entries.put(r.id(), new QueueEntry(r, Files.size(f) - r.bodyOffset()));
            }
        }
        LineLog.Contents contents = stateLog.contents();
        if (contents.damaged() > 0) {
            log.warn("outbound state log: {} damaged lines skipped", contents.damaged());
        }
        for (String line : contents.lines()) {
            QueueLog.apply(line, entries);
        }
        int finished = 0;
        for (var it = entries.values().iterator(); it.hasNext(); ) {
            QueueEntry e = it.next();
            if (e.removed() || e.pendingCount() == 0) {
                DurableFiles.deleteQuietly(msgDir.resolve(e.record().id()));
                it.remove();
                finished++;
            }
        }
        files.syncDirectory(msgDir);
        stateLog.rewrite(old -> {
            List<String> live = new ArrayList<>();
            for (QueueEntry e : entries.values()) {
                live.addAll(QueueLog.lines(e));
            }
            return live;
        });
        metrics.reconciled("outbound_tmp_file", tempFiles);
        metrics.reconciled("outbound_orphan_file", quarantined);
        log.info("outbound queue: {} messages ({} finished ones cleared, {} temp files, {} quarantined)",
                entries.size(), finished, tempFiles, quarantined);
    }

    @Override
    public QueuedMessage enqueue(String sender, List<String> recipients, InputStream message) throws StoreException {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(message, "message");
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipient");
        }
        if (files.root().toFile().getUsableSpace() < reserveBytes) {
            throw new InsufficientStorageException("free-disk reserve reached on the spool volume");
        }
        Instant now = clock.instant();
        String id = ids.next();
        byte[] header = OutboundRecord.encode(id, now, sender, recipients);
        DurableFiles.TempFile t;
        try {
            t = files.writeTemp(header, message, true);
        } catch (IOException e) {
            if (DurableFiles.outOfSpace(e)) {
                throw new InsufficientStorageException("spool volume full while queueing", e);
            }
            throw new StoreException("cannot write the queued message", e);
        }
        try {
            for (Path d : files.moveIntoPlace(t, Path.of("msg", id))) {
                files.syncDirectory(d);
            }
        } catch (IOException e) {
            t.discard();
            DurableFiles.deleteQuietly(msgDir.resolve(id));
            throw new StoreException("cannot queue the message", e);
        }
        QueueEntry e = new QueueEntry(new OutboundRecord(id, now, sender, recipients, header.length), t.octets());
        lock.lock();
        try {
            entries.put(id, e);
            return e.view();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<QueuedMessage> list() {
        lock.lock();
        try {
            return entries.values().stream().map(QueueEntry::view)
                    .sorted(Comparator.comparing(QueuedMessage::arrived).thenComparing(QueuedMessage::id)).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<QueuedMessage> get(String id) {
        lock.lock();
        try {
            return Optional.ofNullable(entries.get(id)).map(QueueEntry::view);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public InputStream open(String id) throws StoreException {
        long offset;
        lock.lock();
        try {
            QueueEntry e = entries.get(id);
            if (e == null) {
                throw new NotFoundException("no queued message " + id);
            }
            offset = e.record().bodyOffset();
        } finally {
            lock.unlock();
        }
        try {
            InputStream in = Files.newInputStream(msgDir.resolve(id));
            in.skipNBytes(offset);
            return in;
        } catch (NoSuchFileException e) {
            throw new NotFoundException("no queued message " + id, e);
        } catch (IOException e) {
            throw new StoreException("cannot read the queued message " + id, e);
        }
    }

    @Override
    public QueuedMessage record(String id, List<Outcome> outcomes) throws StoreException {
        QueuedMessage view;
        lock.lock();
        try {
            QueueEntry e = existing(id);
            List<String> lines = new ArrayList<>();
            QueueEntry next = e.copy();
            for (Outcome o : outcomes) {
                int i = next.pendingIndexOf(o.recipient());
                if (i < 0) {
                    continue;
                }
                next.apply(i, o);
                lines.add(QueueLog.recipientLine(id, i, next.recipient(i)));
            }
            append(lines);
            entries.put(id, next);
            view = next.view();
            if (next.pendingCount() > 0) {
                return view;
            }
            entries.remove(id);
        } finally {
            lock.unlock();
        }
        deleteFile(id);
        return view;
    }

    @Override
    public void markWarned(String id) throws StoreException {
        lock.lock();
        try {
            QueueEntry e = existing(id);
            append(List.of(QueueLog.warnedLine(id)));
            e.warned(true);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean retryNow(String id) throws StoreException {
        lock.lock();
        try {
            QueueEntry e = entries.get(id);
            if (e == null) {
                return false;
            }
            Instant now = clock.instant();
            append(List.of(QueueLog.retryLine(id, now)));
            e.dueAt(now);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean delete(String id) throws StoreException {
        lock.lock();
        try {
            if (!entries.containsKey(id)) {
                return false;
            }
            append(List.of(QueueLog.removedLine(id)));
            entries.remove(id);
        } finally {
            lock.unlock();
        }
        deleteFile(id);
        return true;
    }

    @Override
    public Totals totals() {
        lock.lock();
        try {
            long octets = 0;
            Instant oldest = null;
            for (QueueEntry e : entries.values()) {
                octets += e.octets();
                Instant a = e.record().arrived();
                oldest = oldest == null || a.isBefore(oldest) ? a : oldest;
            }
            return new Totals(entries.size(), octets, Optional.ofNullable(oldest));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies the queue into {@code target} (its {@code msg/} files, then the state log as it is
     * after them, so a change made meanwhile is in it); files are not deleted while it copies.
     *
     * @return messages copied
     */
    public int backup(Path target) throws IOException {
        deletions.writeLock().lock();
        try {
            List<String> live;
            lock.lock();
            try {
                live = new ArrayList<>(entries.keySet());
            } finally {
                lock.unlock();
            }
            Files.createDirectories(target.resolve("msg"));
            List<FileCopies.Copy> copies = new ArrayList<>();
            for (String id : live) {
                copies.add(new FileCopies.Copy(msgDir.resolve(id), target.resolve("msg").resolve(id), null, true));
            }
            FileCopies.Result r = FileCopies.run(copies, target);
            lock.lock();
            try {
                Files.write(target.resolve(LOG), LineLog.encode(stateLog.contents().lines()));
            } finally {
                lock.unlock();
            }
            FileCopies.run(List.of(), target);
            try (var ch = java.nio.channels.FileChannel.open(target.resolve(LOG), java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return r.copied();
        } finally {
            deletions.writeLock().unlock();
        }
    }

    private QueueEntry existing(String id) throws NotFoundException {
        QueueEntry e = entries.get(id);
        if (e == null) {
            throw new NotFoundException("no queued message " + id);
        }
        return e;
    }

    private void append(List<String> lines) throws StoreException {
        try {
            stateLog.append(lines);
        } catch (IOException e) {
            throw new StoreException("cannot write the outbound state log", e);
        }
    }

    /**
     * Never under {@link #lock} (a backup holds the deletions' write side, then takes it). No
     * fsync: the log already says the message is gone, and a start deletes the file again.
     */
    private void deleteFile(String id) {
        deletions.readLock().lock();
        try {
            DurableFiles.deleteQuietly(msgDir.resolve(id));
        } finally {
            deletions.readLock().unlock();
        }
    }

    /** Ids of the messages whose files exist now (tests). */
    Set<String> ids() {
        lock.lock();
        try {
            return Set.copyOf(entries.keySet());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        stateLog.close();
    }
}
