package org.postkontor.store.internal.accounts;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rows one write transaction touched, by table and key. Every statement that inserts, updates
 * or deletes an accounts row names the row here; before commit {@link AccountsDatabase} reads each
 * one back (or finds it gone): the image it journals and applies to its view. Naming a row that did not change is harmless.
 */
public final class Changes {

    record Touched(Table table, List<Object> key) {}

    private final Set<Touched> touched = new LinkedHashSet<>();

    public void domain(String name) {
        touched.add(new Touched(Table.DOMAINS, List.of(name)));
    }

    public void user(String address) {
        touched.add(new Touched(Table.USERS, List.of(address)));
    }

    public void alias(String address, String target) {
        touched.add(new Touched(Table.ALIASES, List.of(address, target)));
    }

    public void webUser(String name) {
        touched.add(new Touched(Table.WEB_USERS, List.of(name)));
    }

    List<Touched> touched() {
        return new ArrayList<>(touched);
    }

    /** Each touched row as the transaction on {@code c} has it now: a put, or a delete by its key. */
    List<RowChange> images(Connection c) throws SQLException {
        List<RowChange> images = new ArrayList<>();
        for (Touched t : touched) {
            Map<String, String> row = RowCodec.read(c, t.table(), t.key());
            images.add(row != null ? RowChange.put(t.table(), row) : RowChange.delete(t.table(), key(t)));
        }
        return images;
    }

    private static Map<String, String> key(Touched t) {
        Map<String, String> key = new LinkedHashMap<>();
        for (int i = 0; i < t.key().size(); i++) {
            key.put(t.table().key.get(i), String.valueOf(t.key().get(i)));
        }
        return key;
    }
}
