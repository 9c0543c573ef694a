package org.postkontor.store.internal.accounts;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One row as a write transaction left it: its whole image ({@link #put}), or gone ({@link #delete},
 * then only its key). Values are in {@link RowCodec}'s text form; a null value is SQL NULL. One
 * line of the accounts journal holds the changes of one transaction, in {@link #order}.
 *
 * <p>Text form: {@code P|table|col=value|...} or {@code D|table|key=value|...}, with {@code %},
 * {@code |}, {@code =}, tab, CR and LF in values written as {@code %XX}, and a NULL as the column
 * name alone.
 */
record RowChange(Table table, Map<String, String> columns, boolean deleted) {

    RowChange {
        Objects.requireNonNull(table, "table");
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    }

    static RowChange put(Table table, Map<String, String> row) {
        return new RowChange(table, row, false);
    }

    static RowChange delete(Table table, Map<String, String> key) {
        return new RowChange(table, key, true);
    }

    /** Deletions children first, then puts parents first (see {@link Table}). */
    static List<RowChange> order(List<RowChange> changes) {
        List<RowChange> out = new ArrayList<>(changes.size());
        Table[] tables = Table.values();
        for (int i = tables.length - 1; i >= 0; i--) {
            for (RowChange c : changes) {
                if (c.deleted && c.table == tables[i]) {
                    out.add(c);
                }
            }
        }
        for (Table t : tables) {
            for (RowChange c : changes) {
                if (!c.deleted && c.table == t) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    String text() {
        StringBuilder b = new StringBuilder(deleted ? "D|" : "P|").append(table.sql);
        columns.forEach((k, v) -> {
            b.append('|').append(k);
            if (v != null) {
                b.append('=').append(escape(v));
            }
        });
        return b.toString();
    }

    static RowChange parse(String text) {
        String[] parts = text.split("\\|", -1);
        if (parts.length < 3 || !(parts[0].equals("P") || parts[0].equals("D"))) {
            throw new IllegalArgumentException("not a row change: " + cut(text));
        }
        Map<String, String> columns = new LinkedHashMap<>();
        for (int i = 2; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                columns.put(parts[i], null);
            } else {
                columns.put(parts[i].substring(0, eq), unescape(parts[i].substring(eq + 1)));
            }
        }
        return new RowChange(Table.named(parts[1]), columns, parts[0].equals("D"));
    }

    private static String escape(String v) {
        StringBuilder b = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '%', '|', '=', '\t', '\r', '\n' -> b.append('%').append(String.format("%02X", (int) c));
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String unescape(String v) {
        if (v.indexOf('%') < 0) {
            return v;
        }
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '%') {
                if (i + 2 >= v.length()) {
                    throw new IllegalArgumentException("cut escape in a row change");
                }
                b.append((char) Integer.parseInt(v.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String cut(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
