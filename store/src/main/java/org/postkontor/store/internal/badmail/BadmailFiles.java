package org.postkontor.store.internal.badmail;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.FileCopies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The badmail directory, the record of truth for badmail: {@code items/<id>.eml} holds each
 * original exactly as given, {@code items/<id>.env} its envelope and reason ({@link EnvelopeFile});
 * {@code tmp/} holds files being written; {@code quarantine/} receives originals found at start
 * without a readable envelope.
 *
 * <p>Order of work, so that a crash at any moment loses no item whose write returned and never
 * brings back a removed one: {@link #write} writes both files to {@code tmp/} and fsyncs them,
 * moves the envelope into place, then the original (its arrival completes the item), then fsyncs
 * {@code items/}. {@link #delete} deletes the original first (the item is gone), then the
 * envelope; a crash between leaves an envelope alone, which the next {@link #scan} deletes.
 * Thread-safe.
 */
final class BadmailFiles {

    static final String ITEMS = "items";
    static final String QUARANTINE = "quarantine";
    static final String ORIGINAL = ".eml";
    static final String ENVELOPE = ".env";

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final Path root;
    private final Path items;
    private final DurableFiles files;

    BadmailFiles(Path root, DurableFiles files) throws IOException {
        this.root = root;
        this.items = root.resolve(ITEMS);
        this.files = files;
        files.createDirectoriesDurably(items);
    }

    Path root() {
        return root;
    }

    /** What {@link #scan} found: the complete items, and what it cleared up. */
    record Scan(List<BadmailItem> items, int tempFiles, int orphans, int strayEnvelopes) {}

    /**
     * Reads every complete item and clears up what crashes left: temp files deleted, originals
     * without a readable envelope (or of another size than it says) moved to {@code quarantine/},
     * envelopes without their original deleted. Call at start, before any other use.
     */
    Scan scan() throws IOException {
        int temp = files.clearTmp();
        Set<String> originals = new TreeSet<>();
        Set<String> envelopes = new TreeSet<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(items)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                if (name.endsWith(ORIGINAL)) {
                    originals.add(name.substring(0, name.length() - ORIGINAL.length()));
                } else if (name.endsWith(ENVELOPE)) {
                    envelopes.add(name.substring(0, name.length() - ENVELOPE.length()));
                }
            }
        }
        List<BadmailItem> found = new ArrayList<>();
        List<String> orphans = new ArrayList<>();
        for (String id : originals) {
            BadmailItem item = envelopes.contains(id) ? readEnvelope(id) : null;
            if (item != null) {
                found.add(item);
            } else {
                orphans.add(id);
            }
        }
        List<String> stray = new ArrayList<>();
        for (String id : envelopes) {
            if (!originals.contains(id)) {
                stray.add(id);
            }
        }
        if (!orphans.isEmpty()) {
            Path q = root.resolve(QUARANTINE);
            files.createDirectoriesDurably(q);
            for (String id : orphans) {
                Files.move(items.resolve(id + ORIGINAL), q.resolve(id + ORIGINAL), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                if (envelopes.contains(id)) {
                    Files.move(items.resolve(id + ENVELOPE), q.resolve(id + ENVELOPE),
                            StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            files.syncDirectory(q);
            log.warn("badmail originals without a readable envelope file, moved to {}: {}", q, orphans);
        }
        for (String id : stray) {
            DurableFiles.delete(items.resolve(id + ENVELOPE));
        }
        if (!orphans.isEmpty() || !stray.isEmpty()) {
            files.syncDirectory(items);
        }
        return new Scan(found, temp, orphans.size(), stray.size());
    }

    private BadmailItem readEnvelope(String id) {
        try (InputStream in = Files.newInputStream(items.resolve(id + ENVELOPE))) {
            BadmailItem item = EnvelopeFile.decode(id, in);
            if (item.octets() != Files.size(items.resolve(id + ORIGINAL))) {
                throw new IllegalArgumentException("original is not the size its envelope file says");
            }
            return item;
        } catch (IOException | RuntimeException e) {
            log.warn("badmail envelope file of {} is unreadable: {}", id, e.toString());
            return null;
        }
    }

    /**
     * Writes an item's two files durably. {@code item}'s octets are ignored: the original's size
     * is what {@code original} gives (at most {@code room} bytes; more fails with
     * {@link ReserveReached}).
     *
     * @return the item with its original's size
     */
    BadmailItem write(BadmailItem item, InputStream original, long room) throws IOException {
        String id = item.id();
        DurableFiles.TempFile body = null;
        DurableFiles.TempFile envelope = null;
        try {
            body = files.writeTemp(new Bounded(original, room), false);
            BadmailItem written = new BadmailItem(id, item.envelope(), item.reason(), body.octets());
            envelope = files.writeTemp(new ByteArrayInputStream(EnvelopeFile.encode(written)), false);
            files.moveIntoPlace(envelope, Path.of(ITEMS, id + ENVELOPE));
            envelope = null;
            files.moveIntoPlace(body, Path.of(ITEMS, id + ORIGINAL));
            body = null;
            files.syncDirectory(items);
            return written;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(id);
            throw e;
        } finally {
            if (body != null) {
                body.discard();
            }
            if (envelope != null) {
                envelope.discard();
            }
        }
    }

    /** Deletes an item's files, the original first; false if it was not there. */
    boolean delete(String id) throws IOException {
        boolean was = DurableFiles.delete(items.resolve(id + ORIGINAL));
        if (was) {
            files.syncDirectory(items);
        }
        DurableFiles.delete(items.resolve(id + ENVELOPE));
        return was;
    }

    private void deleteQuietly(String id) {
        DurableFiles.deleteQuietly(items.resolve(id + ORIGINAL));
        DurableFiles.deleteQuietly(items.resolve(id + ENVELOPE));
    }

    /** The original's bytes; {@link NoSuchFileException} once it is removed. */
    InputStream open(String id) throws IOException {
        return new BufferedInputStream(Files.newInputStream(items.resolve(id + ORIGINAL)), 64 * 1024);
    }

    /** The copies that put an item's two files under {@code target}'s {@code items/}: envelope, then original. */
    List<FileCopies.Copy> copies(String id, Path target) {
        Path to = target.resolve(ITEMS);
        return List.of(new FileCopies.Copy(items.resolve(id + ENVELOPE), to.resolve(id + ENVELOPE), null, true),
                new FileCopies.Copy(items.resolve(id + ORIGINAL), to.resolve(id + ORIGINAL), null, true));
    }

    /** Deletes, in a backup's {@code items/}, every file whose partner is missing (items removed while copying). */
    void dropIncomplete(Path target) throws IOException {
        Path dir = target.resolve(ITEMS);
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir)) {
            for (Path p : d) {
                names.add(p.getFileName().toString());
            }
        }
        for (String n : names) {
            String partner = n.endsWith(ORIGINAL) ? n.substring(0, n.length() - ORIGINAL.length()) + ENVELOPE
                    : n.endsWith(ENVELOPE) ? n.substring(0, n.length() - ENVELOPE.length()) + ORIGINAL : null;
            if (partner != null && !names.contains(partner)) {
                Files.delete(dir.resolve(n));
            }
        }
    }

    /** Complete items (original and envelope) under {@code target}'s {@code items/}. */
    long countItems(Path target) throws IOException {
        Path dir = target.resolve(ITEMS);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(ORIGINAL)).count();
        }
    }

    /** The original crossed the free-disk reserve while being written. */
    static final class ReserveReached extends IOException {
        ReserveReached() {
            super("free-disk reserve reached");
        }
    }

    /** Passes bytes through until {@code room} is used up, then fails with {@link ReserveReached}. */
    private static final class Bounded extends FilterInputStream {
        private long room;

        Bounded(InputStream in, long room) {
            super(in);
            this.room = room;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --room < 0) {
                throw new ReserveReached();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                room -= n;
                if (room < 0) {
                    throw new ReserveReached();
                }
            }
            return n;
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }
}
