package org.postkontor.store.internal.accounts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The rows one write transaction touched, by table and key. Every statement that inserts, updates
 * or deletes an accounts row names the row here; at commit {@link AccountsDatabase} reads each one
 * back (or finds it gone) and journals its image. Naming a row that did not change is harmless.
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
}
