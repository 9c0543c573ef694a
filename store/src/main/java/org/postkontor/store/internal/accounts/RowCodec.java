package org.postkontor.store.internal.accounts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rows of the accounts tables as text and back, by the columns' SQL types: what the accounts
 * journal writes ({@link RowChange}) and replays. Text forms: strings as they are, whole numbers
 * in decimal, booleans {@code true}/{@code false}, binary in hex, timestamps with time zone in
 * ISO-8601. A column of another type is a schema change this class must learn first (it fails
 * loudly rather than journal something it cannot read back).
 */
final class RowCodec {

    private RowCodec() {}

    /** Every column of the current row, in table order, as text. */
    static Map<String, String> encode(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            row.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), encode(rs, i, md.getColumnType(i)));
        }
        return row;
    }

    private static String encode(ResultSet rs, int i, int type) throws SQLException {
        return switch (type) {
            case Types.VARCHAR, Types.CHAR, Types.LONGVARCHAR, Types.CLOB -> rs.getString(i);
            case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
                long v = rs.getLong(i);
                yield rs.wasNull() ? null : Long.toString(v);
            }
            case Types.BOOLEAN, Types.BIT -> {
                boolean v = rs.getBoolean(i);
                yield rs.wasNull() ? null : Boolean.toString(v);
            }
            case Types.VARBINARY, Types.BINARY, Types.LONGVARBINARY, Types.BLOB -> {
                byte[] v = rs.getBytes(i);
                yield v == null ? null : HexFormat.of().formatHex(v);
            }
            case Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP -> { // PostgreSQL's driver says TIMESTAMP for timestamptz
                OffsetDateTime v = rs.getObject(i, OffsetDateTime.class);
                yield v == null ? null : v.toString();
            }
            default -> throw new SQLException("column " + rs.getMetaData().getColumnLabel(i) + " has SQL type " + type
                    + ", which the accounts journal cannot write");
        };
    }

    /** The row with this key now, as text, or null if there is none. */
    static Map<String, String> read(Connection c, Table t, List<Object> key) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT * FROM ").append(t.sql).append(" WHERE ");
        for (int i = 0; i < t.key.size(); i++) {
            sql.append(i == 0 ? "" : " AND ").append(t.key.get(i)).append(" = ?");
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < key.size(); i++) {
                ps.setObject(i + 1, key.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? encode(rs) : null;
            }
        }
    }

    /** Every row of a table, as text. */
    static List<Map<String, String>> readAll(Connection c, Table t) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + t.sql
                + " ORDER BY " + String.join(", ", t.key))) {
            while (rs.next()) {
                rows.add(encode(rs));
            }
        }
        return rows;
    }

    /**
     * Applies one change: a put inserts the row or updates the one with its key (columns the image
     * lacks keep their defaults or values; a column the table no longer has is ignored), a delete
     * removes the row with its key if there is one.
     */
    static void apply(Connection c, RowChange change, Map<Table, Map<String, Integer>> typeCache) throws SQLException {
        Map<String, Integer> types = typeCache.get(change.table());
        if (types == null) {
            types = columnTypes(c, change.table());
            typeCache.put(change.table(), types);
        }
        Table t = change.table();
        if (change.deleted()) {
            StringBuilder sql = new StringBuilder("DELETE FROM ").append(t.sql).append(" WHERE ");
            for (int i = 0; i < t.key.size(); i++) {
                sql.append(i == 0 ? "" : " AND ").append(t.key.get(i)).append(" = ?");
            }
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < t.key.size(); i++) {
                    String k = t.key.get(i);
                    bind(ps, i + 1, change.columns().get(k), types.get(k));
                }
                ps.executeUpdate();
            }
            return;
        }
        List<String> cols = new ArrayList<>();
        for (String col : change.columns().keySet()) {
            if (types.containsKey(col)) {
                cols.add(col);
            }
        }
        String sql = "MERGE INTO " + t.sql + " (" + String.join(", ", cols) + ") KEY (" + String.join(", ", t.key)
                + ") VALUES (" + "?, ".repeat(cols.size() - 1) + "?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < cols.size(); i++) {
                bind(ps, i + 1, change.columns().get(cols.get(i)), types.get(cols.get(i)));
            }
            ps.executeUpdate();
        }
    }

    /**
     * Inserts a put's row unless one with its key is there (PostgreSQL's {@code ON CONFLICT DO
     * NOTHING}); true if it inserted.
     */
    static boolean insertIfAbsent(Connection c, RowChange put, Map<Table, Map<String, Integer>> typeCache)
            throws SQLException {
        Table t = put.table();
        Map<String, Integer> types = typeCache.get(t);
        if (types == null) {
            types = columnTypes(c, t);
            typeCache.put(t, types);
        }
        List<String> cols = new ArrayList<>();
        for (String col : put.columns().keySet()) {
            if (types.containsKey(col)) {
                cols.add(col);
            }
        }
        String sql = "INSERT INTO " + t.sql + " (" + String.join(", ", cols) + ") VALUES ("
                + "?, ".repeat(cols.size() - 1) + "?) ON CONFLICT DO NOTHING";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < cols.size(); i++) {
                bind(ps, i + 1, put.columns().get(cols.get(i)), types.get(cols.get(i)));
            }
            return ps.executeUpdate() == 1;
        }
    }

    private static Map<String, Integer> columnTypes(Connection c, Table t) throws SQLException {
        Map<String, Integer> types = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + t.sql + " WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                types.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), md.getColumnType(i));
            }
        }
        return types;
    }

    private static void bind(PreparedStatement ps, int i, String text, int type) throws SQLException {
        if (text == null) {
            ps.setNull(i, type);
            return;
        }
        switch (type) {
            case Types.VARCHAR, Types.CHAR, Types.LONGVARCHAR, Types.CLOB -> ps.setString(i, text);
            case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> ps.setLong(i, Long.parseLong(text));
            case Types.BOOLEAN, Types.BIT -> ps.setBoolean(i, Boolean.parseBoolean(text));
            case Types.VARBINARY, Types.BINARY, Types.LONGVARBINARY, Types.BLOB ->
                    ps.setBytes(i, HexFormat.of().parseHex(text));
            case Types.TIMESTAMP_WITH_TIMEZONE, Types.TIMESTAMP -> ps.setObject(i, OffsetDateTime.parse(text));
            default -> throw new SQLException("SQL type " + type + " cannot be read back from the accounts journal");
        }
    }
}
