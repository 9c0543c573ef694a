package org.postkontor.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's append-only log of entries that are no longer in their mailbox: expunged by POP3,
 * purged by the admin, or refused by the group commit after the body (whose header record names
 * every mailbox the delivery was for) was written. Together with the bodies' header records it is
 * the record of truth for what each mailbox holds: a mailbox holds entry (body, mailbox) exactly
 * when the body file exists, its record names the mailbox, and this log does not. The index is
 * rebuilt to match at every start ({@link Reconciler}).
 *
 * <p>One line per removal: {@code <crc32c, 8 hex> <body path>[,<body path>...] <mailbox>\n}, the
 * checksum over everything after its space. A line is one {@code write} and is taken whole or not
 * at all (a line torn by a crash fails its checksum and is dropped, and the file is cut back to
 * the last whole line when opened), so an expunge of several entries is all or nothing. Body
 * paths and mailboxes contain no space, comma or line end. {@link #append} returns after an
 * fsync: only then may POP3 answer its QUIT.
 *
 * <p>Records of bodies that are gone are dropped by {@link #compact}, at start and when the file
 * grows past {@value #COMPACT_AT_BYTES} bytes. Thread-safe.
 */
final class RemovalLog implements AutoCloseable {

    static final String FILE = "removed.log";
    static final long COMPACT_AT_BYTES = 8L * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    /** A mailbox's entries of these bodies are removed. */
    record Removal(String mailbox, List<String> bodyPaths) {
        Removal {
            bodyPaths = List.copyOf(bodyPaths);
        }
    }

    private final Path file;
    private final DurableFiles files;
    private final ReentrantLock lock = new ReentrantLock();
    private final boolean fresh;
    private FileChannel channel;

    private RemovalLog(Path file, DurableFiles files, FileChannel channel, boolean fresh) {
        this.file = file;
        this.files = files;
        this.channel = channel;
        this.fresh = fresh;
    }

    /** The log did not exist before this open (a new spool, or one from a version without it). */
    boolean fresh() {
        return fresh;
    }

    /** Opens the log under the spool root, cutting off a torn last line. */
    static RemovalLog open(Path spoolRoot, DurableFiles files) throws IOException {
        Path file = spoolRoot.resolve(FILE);
        boolean created = !Files.exists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long whole = Parsed.read(ch).wholeBytes;
            if (whole < ch.size()) {
                log.warn("removal log: cut a torn last line ({} bytes)", ch.size() - whole);
                ch.truncate(whole);
                ch.force(true);
            }
            ch.position(whole);
            if (created) {
                ch.force(true);
                files.syncDirectory(spoolRoot);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new RemovalLog(file, files, ch, created);
    }

    /** Every removed (body path, mailbox) pair in the log, as {@code path + " " + mailbox}. */
    Set<String> removed() throws IOException {
        lock.lock();
        try {
            return Parsed.read(channel).removed;
        } finally {
            lock.unlock();
        }
    }

    static String key(String bodyPath, String mailbox) {
        return bodyPath + " " + mailbox;
    }

    /** Appends the removals and fsyncs the log; on return they survive a crash. */
    void append(Collection<Removal> removals) throws IOException {
        if (removals.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Removal r : removals) {
            if (r.bodyPaths().isEmpty()) {
                continue;
            }
            b.append(line(r));
        }
        if (b.isEmpty()) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
        FileChannel ch;
        lock.lock();
        try {
            ch = channel;
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
        } finally {
            lock.unlock();
        }
        // outside the lock, so that concurrent appenders share the disk's flushes
        try {
            ch.force(false);
        } catch (ClosedChannelException e) {
            // a compaction replaced the file meanwhile; it read our whole lines (written under
            // the lock before it took it) and fsynced them in the new file
            if (current() == ch) {
                throw e;
            }
        }
    }

    private FileChannel current() {
        lock.lock();
        try {
            return channel;
        } finally {
            lock.unlock();
        }
    }

    /** Compacts when the file has grown past the threshold; failures are logged, never thrown. */
    void compactIfLarge(Predicate<String> bodyExists) {
        try {
            if (channel.size() >= COMPACT_AT_BYTES) {
                compact(bodyExists);
            }
        } catch (IOException e) {
            log.warn("cannot compact the removal log now: {}", e.toString());
        }
    }

    /**
     * Rewrites the log without the records of bodies that are gone. Their deletions are made
     * durable first (their directories fsynced), so a dropped record can never let a body come
     * back: a body removed from its directory but not yet durably would otherwise return after a
     * crash with no record saying that its entries are gone.
     *
     * @return the number of body paths dropped
     */
    int compact(Predicate<String> bodyExists) throws IOException {
        lock.lock();
        try {
            List<Removal> all = Parsed.read(channel).records;
            List<Removal> kept = new ArrayList<>();
            Set<Path> dirsToSync = new LinkedHashSet<>();
            int dropped = 0;
            for (Removal r : all) {
                List<String> live = new ArrayList<>();
                for (String p : r.bodyPaths()) {
                    if (bodyExists.test(p)) {
                        live.add(p);
                    } else {
                        dropped++;
                        Path dir = files.root().resolve(p).getParent();
                        // the hour directory itself may be gone: then its parent holds the deletion
                        dirsToSync.add(Files.isDirectory(dir) ? dir : dir.getParent());
                    }
                }
                if (!live.isEmpty()) {
                    kept.add(new Removal(r.mailbox(), live));
                }
            }
            if (dropped == 0) {
                return 0;
            }
            for (Path d : dirsToSync) {
                if (Files.isDirectory(d)) {
                    files.syncDirectory(d);
                }
            }
            Path tmp = file.resolveSibling(FILE + ".new");
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                StringBuilder b = new StringBuilder();
                for (Removal r : kept) {
                    b.append(line(r));
                }
                ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            files.syncDirectory(file.getParent());
            FileChannel old = channel;
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.position(channel.size());
            old.close();
            log.info("removal log compacted: {} body paths of deleted bodies dropped, {} lines kept", dropped,
                    kept.size());
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    private static String line(Removal r) {
        for (String p : r.bodyPaths()) {
            if (!plain(p) || p.indexOf(',') >= 0) {
                throw new IllegalArgumentException("body path cannot be logged: " + p);
            }
        }
        if (!plain(r.mailbox())) {
            throw new IllegalArgumentException("mailbox cannot be logged: " + r.mailbox());
        }
        String content = String.join(",", r.bodyPaths()) + " " + r.mailbox();
        return crc(content) + " " + content + "\n";
    }

    private static boolean plain(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String crc(String content) {
        CRC32C c = new CRC32C();
        c.update(content.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) c.getValue());
    }

    /** The whole lines of a log file. */
    private static final class Parsed {
        final List<Removal> records = new ArrayList<>();
        final Set<String> removed = new HashSet<>();
        long wholeBytes;

        static Parsed read(FileChannel ch) throws IOException {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException("removal log too large: " + size + " bytes");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            long pos = 0;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            byte[] all = buf.array();
            int len = buf.position();
            Parsed p = new Parsed();
            int start = 0;
            for (int i = 0; i < len; i++) {
                if (all[i] != '\n') {
                    continue;
                }
                String line = new String(all, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                Removal r = parse(line);
                if (r == null) {
                    // a whole line that fails its checksum: a torn write followed by later
                    // appends cannot happen (the tail is cut at open), so this is damage
                    log.error("removal log: damaged line skipped: {}", line.length() > 200
                            ? line.substring(0, 200) + "..." : line);
                    continue;
                }
                p.records.add(r);
                for (String path : r.bodyPaths()) {
                    p.removed.add(key(path, r.mailbox()));
                }
            }
            p.wholeBytes = start;
            return p;
        }

        private static Removal parse(String line) {
            int sp = line.indexOf(' ');
            if (sp != 8) {
                return null;
            }
            String content = line.substring(sp + 1);
            if (!crc(content).equals(line.substring(0, sp))) {
                return null;
            }
            int last = content.lastIndexOf(' ');
            if (last <= 0 || last == content.length() - 1) {
                return null;
            }
            return new Removal(content.substring(last + 1), List.of(content.substring(0, last).split(",")));
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        } finally {
            lock.unlock();
        }
    }
}
