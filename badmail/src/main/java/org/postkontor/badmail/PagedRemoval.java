package org.postkontor.badmail;

import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.StoreException;

/**
 * Removes items while listing them, {@link #BATCH} a page, oldest first: what retention and purge
 * share. An item left in place (one {@code leave} names, or one the remover did not remove that
 * the store still lists) moves the offset on, so every walk ends; an item another call removed
 * meanwhile does not (the listing moved up by one).
 */
final class PagedRemoval {

    /** Items listed per store query. */
    static final int BATCH = 200;

    /** Removes one listed item, with its metrics and log line; false if it was not removed. */
    @FunctionalInterface
    interface Remover {
        boolean remove(BadmailItem item) throws StoreException;
    }

    /** How many items, and how many octets of originals, a walk removed. */
    record Removed(int items, long octets) {}

    private PagedRemoval() {}

    /**
     * Walks the pages {@code pageAt(offset)} lists (each at most {@link #BATCH} items) and hands
     * every item {@code leave} does not name to {@code remover}, until a page comes back short or
     * the removed octets reach {@code enough} (checked before each item; {@link Long#MAX_VALUE}
     * for no limit).
     */
    static Removed walk(BadmailStore store, IntFunction<BadmailQuery> pageAt, Predicate<String> leave, long enough,
                        Remover remover) throws StoreException {
        int items = 0;
        long octets = 0;
        int offset = 0; // items listed but left in place
        while (octets < enough) {
            List<BadmailItem> page = store.list(pageAt.apply(offset));
            for (BadmailItem item : page) {
                if (octets >= enough) {
                    break;
                }
                if (leave.test(item.id())) {
                    offset++;
                } else if (remover.remove(item)) {
                    items++;
                    octets += item.octets();
                } else if (store.get(item.id()).isPresent()) {
                    offset++;
                }
            }
            if (page.size() < BATCH) {
                break;
            }
        }
        return new Removed(items, octets);
    }
}
