package org.postkontor.badmail;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.badmail.PagedRemoval.Removed;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.ConflictException;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the admin deletes: one item ({@link #delete}) or every match of a filter ({@link #purge}). */
final class Removal {

    private static final Logger log = LoggerFactory.getLogger("postkontor.badmail");

    private final BadmailStore store;
    private final Clock clock;
    private final BadmailMetrics metrics;
    private final InFlight inFlight;

    Removal(BadmailStore store, Clock clock, BadmailMetrics metrics, InFlight inFlight) {
        this.store = store;
        this.clock = clock;
        this.metrics = metrics;
        this.inFlight = inFlight;
    }

    boolean delete(String id) throws StoreException {
        if (inFlight.isRedelivering(Objects.requireNonNull(id, "id"))) {
            throw new ConflictException("badmail item " + id + " is being redelivered");
        }
        Optional<BadmailItem> item = store.get(id);
        if (item.isEmpty() || !store.remove(id)) {
            return false;
        }
        String label = ReasonKind.label(item.get().reason().kind());
        metrics.deleted(label);
        log.info("event=deleted id={} kind={} octets={}", id, label, item.get().octets());
        return true;
    }

    int purge(BadmailFilter filter) throws StoreException {
        Objects.requireNonNull(filter, "filter");
        Instant start = clock.instant();
        // "No later than start", robust to an index that keeps microseconds only.
        Instant before = start.plus(1, ChronoUnit.MICROS);
        Removed r = PagedRemoval.walk(store, offset -> filter.query(start, before, offset, PagedRemoval.BATCH),
                id -> false, Long.MAX_VALUE, this::remove);
        log.info("event=purged deleted={} octets_freed={} kind={} domain={} older_than_s={}", r.items(), r.octets(),
                filter.kind() == null ? "any" : filter.kind(), filter.domain() == null ? "any" : filter.domain(),
                filter.olderThan() == null ? "any" : filter.olderThan().toSeconds());
        return r.items();
    }

    private boolean remove(BadmailItem item) throws StoreException {
        if (!store.remove(item.id())) {
            return false;
        }
        metrics.deleted(ReasonKind.label(item.reason().kind()));
        return true;
    }
}
