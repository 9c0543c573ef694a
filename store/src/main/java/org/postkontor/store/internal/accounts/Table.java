package org.postkontor.store.internal.accounts;

import java.util.List;

/**
 * The accounts tables and their keys, parents before children: a journal writes the rows a
 * transaction put in this order and the rows it deleted in the reverse one, so that references hold
 * at every step of a replay.
 */
enum Table {
    DOMAINS("domains", List.of("name")),
    USERS("users", List.of("address")),
    ALIASES("aliases", List.of("address", "target")),
    WEB_USERS("web_users", List.of("name"));

    final String sql;
    final List<String> key;

    Table(String sql, List<String> key) {
        this.sql = sql;
        this.key = key;
    }

    static Table named(String sql) {
        for (Table t : values()) {
            if (t.sql.equals(sql)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no such accounts table: " + sql);
    }
}
