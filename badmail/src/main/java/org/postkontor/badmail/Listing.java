package org.postkontor.badmail;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.badmail.internal.HeaderBlock;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailTotals;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.StoreException;

/** The read side: status, pages, one item's detail and its original. Changes nothing. */
final class Listing {

    private final BadmailStore store;
    private final BadmailConfig config;
    private final Clock clock;

    Listing(BadmailStore store, BadmailConfig config, Clock clock) {
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    BadmailStatus status() throws StoreException {
        BadmailTotals t = store.totals();
        Instant now = clock.instant();
        Optional<Duration> oldestAge = t.oldest().map(o -> o.isAfter(now) ? Duration.ZERO : Duration.between(o, now));
        return new BadmailStatus(t.items(), t.octets(), oldestAge, config.maxTotalBytes());
    }

    BadmailPage list(BadmailFilter filter, int offset, int limit) throws StoreException {
        Objects.requireNonNull(filter, "filter");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be 0 or more");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more");
        }
        int size = Math.min(limit, config.maxPageSize());
        List<BadmailItem> found = store.list(filter.query(clock.instant(), null, offset, size + 1));
        boolean more = found.size() > size;
        return new BadmailPage(more ? found.subList(0, size) : found, offset, more);
    }

    BadmailDetail show(String id) throws StoreException {
        BadmailItem item = item(id);
        try (InputStream in = new BufferedInputStream(store.open(id), 8192)) {
            HeaderBlock.Parsed p = HeaderBlock.read(in, config.maxHeaderBytes());
            return new BadmailDetail(item, p.headers(), p.truncated(), p.malformedLines());
        } catch (IOException e) {
            throw new StoreException("cannot read badmail item " + id, e);
        }
    }

    BadmailItem item(String id) throws StoreException {
        Objects.requireNonNull(id, "id");
        return store.get(id).orElseThrow(() -> new NotFoundException("no badmail item " + id));
    }

    InputStream openOriginal(String id) throws StoreException {
        item(id);
        return store.open(id);
    }

    long export(String id, OutputStream out) throws StoreException, IOException {
        try (InputStream in = openOriginal(id)) {
            return in.transferTo(out);
        }
    }
}
