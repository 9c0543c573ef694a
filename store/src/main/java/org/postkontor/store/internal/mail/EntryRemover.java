package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes entries from a mailbox for good (POP3's expunge, the admin's purge): first one line in
 * the {@link RemovalLog} (fsynced: from then on they are gone, whatever happens), then from the
 * index, then the bodies no entry refers to any more ({@link BodyReaper}). Thread-safe.
 */
final class EntryRemover {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final MailIndex index;
    private final RemovalLog removals;
    private final BodyReaper reaper;

    EntryRemover(MailIndex index, RemovalLog removals, BodyReaper reaper) {
        this.index = index;
        this.removals = removals;
        this.reaper = reaper;
    }

    /** Removes these entries of {@code box}; returns how many were still there. */
    int remove(Mailbox box, Collection<Mailbox.Entry> entries) throws StoreException {
        if (entries.isEmpty()) {
            return 0;
        }
        TreeSet<String> paths = new TreeSet<>();
        List<Long> ids = new ArrayList<>(entries.size());
        for (Mailbox.Entry e : entries) {
            paths.add(e.body().path());
            ids.add(e.id());
        }
        try {
            removals.append(List.of(new RemovalLog.Removal(box.address, List.copyOf(paths))));
        } catch (IOException e) {
            throw new StoreException("cannot log the removal", e);
        }
        List<Mailbox.Entry> removed = box.remove(ids);
        List<Body> bodies = new ArrayList<>(removed.size());
        for (Mailbox.Entry e : removed) {
            bodies.add(e.body());
        }
        reaper.release(bodies);
        return removed.size();
    }

    /** Removes every entry of a mailbox (the admin removes a user with its mail). */
    int purge(String mailbox) throws StoreException {
        Mailbox box = index.find(mailbox).orElse(null);
        if (box == null) {
            return 0;
        }
        int n = remove(box, box.snapshot());
        if (n > 0) {
            log.info("purged mailbox: entries={}", n);
        }
        return n;
    }
}
