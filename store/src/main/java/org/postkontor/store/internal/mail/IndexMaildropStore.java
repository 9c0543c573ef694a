package org.postkontor.store.internal.mail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;

/**
 * Maildrops on the mail index. The exclusive lock is the mailbox's own flag in the index: exact,
 * since one process holds the spool (its OS file lock), and gone with the process, so a kill
 * leaves no lock behind. Thread-safe; each {@link Maildrop} is for one session.
 */
final class IndexMaildropStore implements MaildropStore {

    private final MailIndex index;
    private final MailboxLimits.Source users;
    private final SpoolLayout layout;
    private final EntryRemover remover;
    private final BodyReaper reaper;
    private final StoreMetrics metrics;

    IndexMaildropStore(MailIndex index, MailboxLimits.Source users, SpoolLayout layout, EntryRemover remover,
                       BodyReaper reaper, StoreMetrics metrics) {
        this.index = index;
        this.users = users;
        this.layout = layout;
        this.remover = remover;
        this.reaper = reaper;
        this.metrics = metrics;
    }

    @Override
    public Maildrop open(MailAddress mailbox) throws StoreException {
        String address = mailbox.toString();
        if (!users.of(address).exists()) {
            throw new NoSuchMailboxException("no such mailbox");
        }
        Mailbox box = index.mailbox(address);
        if (!box.hold()) {
            throw new MailboxInUseException("maildrop is locked by another session");
        }
        // every entry names a body that was durable before the entry was added (FileSpool)
        return new LockedMaildrop(mailbox, box, box.snapshot());
    }

    private final class LockedMaildrop implements Maildrop {
        private final MailAddress mailbox;
        private final Mailbox box;
        private final List<MaildropEntry> listing;
        private final Map<Long, Mailbox.Entry> byId = new HashMap<>();
        private final byte[] deliveredTo;
        private boolean expunged;
        private boolean closed;

        LockedMaildrop(MailAddress mailbox, Mailbox box, List<Mailbox.Entry> snapshot) {
            this.mailbox = mailbox;
            this.box = box;
            List<MaildropEntry> l = new ArrayList<>(snapshot.size());
            for (Mailbox.Entry e : snapshot) {
                l.add(new MaildropEntry(e.id(), e.uidl(), box.entryOctets(e.body()), e.body().arrived()));
                byId.put(e.id(), e);
            }
            this.listing = List.copyOf(l);
            this.deliveredTo = Mailbox.deliveredTo(box.address);
        }

        @Override
        public MailAddress mailbox() {
            return mailbox;
        }

        @Override
        public List<MaildropEntry> listing() {
            return listing;
        }

        private Mailbox.Entry entry(MaildropEntry listed) {
            Mailbox.Entry e = byId.get(listed.id());
            if (e == null || !e.uidl().equals(listed.uidl())) {
                throw new IllegalArgumentException("entry is not in this maildrop's listing");
            }
            return e;
        }

        @Override
        public boolean readsWithoutWaiting() {
            return true; // a body file on the spool's volume
        }

        /**
         * The entry's message, from its body file. The stream holds a reference to the body until
         * it is closed: a body file is reused for later mail once nothing refers to it
         * ({@link BodyReaper}), so an entry removed while its message is read (an admin's purge,
         * or the session's own QUIT while a RETR still streams) must not let the file be emptied
         * and written again under the reader.
         */
        @Override
        public InputStream open(MaildropEntry listed) throws StoreException {
            checkOpen();
            Body body = entry(listed).body();
            if (!body.tryRetain()) {
                throw new StoreException("stored body is gone: its entries were removed");
            }
            Path file = layout.resolve(body.path());
            FileChannel ch = null;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                long size = ch.size() - body.headerLength;
                if (size != body.octets) {
                    throw new StoreException("stored body has " + size + " octets, index says " + body.octets);
                }
                ch.position(body.headerLength);
                return new BodyStream(deliveredTo, ch, body);
            } catch (IOException | StoreException | RuntimeException e) {
                closeQuietly(ch);
                reaper.release(List.of(body));
                if (e instanceof StoreException se) {
                    throw se;
                }
                if (e instanceof NoSuchFileException) {
                    throw new StoreException("stored body is missing", e);
                }
                if (e instanceof IOException) {
                    throw new StoreException("cannot read a stored body", e);
                }
                throw (RuntimeException) e;
            }
        }

        @Override
        public void expunge(Set<MaildropEntry> entries) throws StoreException {
            checkOpen();
            if (expunged) {
                throw new IllegalStateException("already expunged");
            }
            List<Mailbox.Entry> chosen = new ArrayList<>(entries.size());
            for (MaildropEntry e : entries) {
                chosen.add(entry(e));
            }
            if (!chosen.isEmpty()) {
                metrics.expunged(remover.remove(box, chosen));
            }
            expunged = true;
        }

        private void checkOpen() {
            if (closed) {
                throw new IllegalStateException("maildrop is closed");
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            box.unhold();
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // read-only: nothing to lose
            }
        }
    }

    /** A message as read: its Delivered-To line, then the body file's message bytes; releases the body once closed. */
    private final class BodyStream extends SequenceInputStream {
        private final Body body;
        private final AtomicBoolean open = new AtomicBoolean(true);

        BodyStream(byte[] deliveredTo, FileChannel ch, Body body) {
            super(new ByteArrayInputStream(deliveredTo), Channels.newInputStream(ch));
            this.body = body;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (open.compareAndSet(true, false)) {
                    reaper.release(List.of(body));
                }
            }
        }
    }
}
