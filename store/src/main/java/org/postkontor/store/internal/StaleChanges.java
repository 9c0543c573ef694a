package org.postkontor.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.tx.Transaction;
import org.h2.value.VersionedValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes, when the index opens, the changes of transactions a crash cut off that H2 itself
 * left in its tables.
 *
 * <p>H2 (MVStore) writes a transaction's changes to the file with their undo log and, when it
 * opens the file again, ends every transaction a crash left: commits those marked committed,
 * rolls back the rest. H2 2.5.252 does not finish one that the kill caught between marking it
 * committed and clearing its changes' marks ({@code Transaction.commit()} returns without doing
 * anything for a transaction already marked committed): it stays registered, its rows stay marked
 * as changed by it, and any statement that locks such a row ({@code SELECT … FOR UPDATE},
 * {@code UPDATE}, {@code DELETE}) spins for ever inside {@code TransactionMap.set} (CI's store
 * crash test hung 90 minutes on one; RELIABILITY.md tells how it was reproduced). This
 * finishes what H2 would have: every value of a table or index map still marked by a
 * transaction that is committed or no longer registered takes its current value (H2's writers
 * already read it so; its readers still showed the old one), one of a left-over still open its
 * committed value (a value that is none goes), as H2's own commit and rollback set them. It runs before
 * any statement of ours, so every transaction still registered is a left-over, and it is made
 * durable before the index is used. The left-over itself stays: H2 keeps its undo log in the file
 * and registers it again at every start (one transaction id of H2's 65,535 each; H2 has no API
 * to drop it), but no value refers to it any more, so it blocks nothing.
 *
 * <p>H2-specific on purpose (as {@link Database}'s sync is): it reads H2's maps below SQL.
 */
final class StaleChanges {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");
    /** H2's operation id: the transaction id above the low 40 bits of the undo log id. */
    private static final int LOG_ID_BITS = 40;

    private StaleChanges() {
    }

    /**
     * The map H2 has open under {@code name}, with the key and value types its table gave it, or
     * null if H2 has not opened it (opening it here would give it the wrong types).
     */
    static MVMap<Object, Object> openedMap(MVStore mv, String name) {
        String hexId = mv.getMetaMap().get("name." + name); // H2's meta: map name to map id, in hex
        return hexId == null ? null : mv.getMap(Integer.parseInt(hexId, 16));
    }

    /** @return how many values were set (their maps are then stored and synced) */
    static int finish(Connection c) throws SQLException {
        MVStore mv = Database.mvStore(c);
        // no session of ours has begun a transaction yet: every one still registered is left over
        Map<Integer, Integer> leftover = new HashMap<>();
        for (Transaction t : Database.h2(c).getStore().getTransactionStore().getOpenTransactions()) {
            leftover.put(t.getId(), t.getStatus());
        }
        Map<String, Integer> perMap = new TreeMap<>();
        int total = 0;
        for (String name : mv.getMapNames()) {
            if (!name.startsWith("table.") && !name.startsWith("index.")) {
                continue;
            }
            MVMap<Object, Object> map = openedMap(mv, name);
            if (map == null) {
                continue; // not opened by H2 (no table uses it): its types are unknown here, leave it
            }
            int n = 0;
            for (Cursor<Object, Object> cur = map.cursor(null); cur.hasNext(); ) {
                Object key = cur.next();
                if (!(cur.getValue() instanceof VersionedValue<?> v) || v.getOperationId() == 0) {
                    continue;
                }
                Integer status = leftover.get((int) (v.getOperationId() >>> LOG_ID_BITS));
                if (status != null && status == Transaction.STATUS_PREPARED) {
                    continue; // in doubt (two-phase commit, which we never use): not ours to decide
                }
                // a left-over marked committed, or a transaction no longer registered (H2's own
                // writers take such a change as committed): the change stands; an open left-over
                // (H2 rolls those back at open, so none is expected): rolled back
                Object value = status == null || status == Transaction.STATUS_COMMITTED
                        ? v.getCurrentValue() : v.getCommittedValue();
                if (value == null) {
                    map.remove(key);
                } else {
                    map.put(key, value); // a committed value is its own VersionedValue in H2
                }
                n++;
            }
            if (n > 0) {
                perMap.put(name, n);
                total += n;
            }
        }
        if (total > 0) {
            Database.storeAndForce(mv);
            log.warn("index: finished {} changes of transactions a crash cut off that H2 had left marked"
                    + " (map: values): {}; left over: {}", total, perMap, leftover);
        }
        return total;
    }
}
