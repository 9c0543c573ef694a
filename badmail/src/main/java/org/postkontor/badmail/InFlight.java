package org.postkontor.badmail;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Items some call is working on: admits that have not returned yet and redeliveries in progress.
 * Retention leaves pinned items alone; a second redelivery of an item, or deleting it, is refused
 * while one runs. Thread-safe.
 */
final class InFlight {

    /** Ids retention must leave alone now. */
    private final Set<String> pinned = ConcurrentHashMap.newKeySet();
    /** Ids being redelivered. */
    private final Set<String> redelivering = ConcurrentHashMap.newKeySet();

    void pin(String id) {
        pinned.add(id);
    }

    void unpin(String id) {
        pinned.remove(id);
    }

    boolean isPinned(String id) {
        return pinned.contains(id);
    }

    /** Marks the item as being redelivered and pins it; false if a redelivery of it runs already. */
    boolean startRedelivery(String id) {
        if (!redelivering.add(id)) {
            return false;
        }
        pinned.add(id);
        return true;
    }

    void endRedelivery(String id) {
        pinned.remove(id);
        redelivering.remove(id);
    }

    boolean isRedelivering(String id) {
        return redelivering.contains(id);
    }
}
