package org.postkontor.store.internal.accounts;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postkontor.store.StoreException;

/**
 * Copies every accounts row (domains, users with their stored hashes and SCRAM keys, aliases, web
 * users) from one accounts database into a PostgreSQL one, as they are: a row whose key is there
 * already is left alone, so a copy that stopped halfway is finished by running it again. One
 * transaction; the nodes of the target are told to read their accounts again.
 */
public final class AccountsCopy {

    private AccountsCopy() {}

    /** Rows inserted per table name ({@code domains}, {@code users}, {@code aliases}, {@code web_users}). */
    public static Map<String, Integer> run(AccountsDatabase from, PostgresAccountsDatabase to) throws StoreException {
        Map<Table, List<Map<String, String>>> rows = new EnumMap<>(Table.class);
        from.read(c -> {
            for (Table t : Table.values()) {
                rows.put(t, RowCodec.readAll(c, t));
            }
            return null;
        });
        Map<String, Integer> inserted = new LinkedHashMap<>();
        to.write((c, changes) -> {
            Map<Table, Map<String, Integer>> types = new HashMap<>();
            for (Table t : Table.values()) { // parents first
                int n = 0;
                for (Map<String, String> row : rows.get(t)) {
                    if (RowCodec.insertIfAbsent(c, RowChange.put(t, row), types)) {
                        n++;
                        touch(changes, t, row);
                    }
                }
                inserted.put(t.sql, n);
            }
            return null;
        });
        return inserted;
    }

    private static void touch(Changes changes, Table t, Map<String, String> row) {
        switch (t) {
            case DOMAINS -> changes.domain(row.get("name"));
            case USERS -> changes.user(row.get("address"));
            case ALIASES -> changes.alias(row.get("address"), row.get("target"));
            case WEB_USERS -> changes.webUser(row.get("name"));
        }
    }
}
