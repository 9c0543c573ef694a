package org.postkontor.store.internal.accounts;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;

/** SQL and input checks the domain, user and alias administration share. */
final class AccountRows {

    /** Column width of {@code users.password_hash}. */
    static final int MAX_STORED_HASH = 1000;
    private static final String DUPLICATE_KEY = "23505";

    private AccountRows() {}

    /** Normalizes and validates a domain name given by the admin. */
    static String domainName(String domain) {
        if (domain == null || domain.isBlank()) {
            throw new IllegalArgumentException("no domain given");
        }
        String d = MailAddress.normalizeDomain(domain.strip());
        try {
            new MailAddress("postmaster", d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a domain name: " + domain, e);
        }
        return d;
    }

    static void checkPassword(char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("the password must not be empty");
        }
        boolean blank = true;
        for (char ch : password) {
            if (ch == '\0' || ch == '\r' || ch == '\n') {
                throw new IllegalArgumentException("the password must not contain NUL, CR or LF");
            }
            blank &= Character.isWhitespace(ch);
        }
        if (blank) {
            throw new IllegalArgumentException("the password must not be only blanks");
        }
    }

    static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    static void requireDomain(Connection c, String name) throws SQLException, NotFoundException {
        if (!exists(c, "SELECT 1 FROM domains WHERE name = ?", name)) {
            throw new NotFoundException("no such domain: " + name);
        }
    }

    static boolean userExists(Connection c, MailAddress user) throws SQLException {
        return exists(c, "SELECT 1 FROM users WHERE address = ?", user.toString());
    }

    static boolean aliasExists(Connection c, MailAddress address) throws SQLException {
        return exists(c, "SELECT 1 FROM aliases WHERE address = ?", address.toString());
    }

    static void insertUser(Connection c, Changes changes, MailAddress user, String hash, Quota quota,
                           OffsetDateTime now) throws SQLException, ConflictException {
        try {
            update(c, "INSERT INTO users (address, domain, local_part, password_hash, quota_bytes, quota_messages,"
                            + " enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, ?)",
                    user.toString(), user.domain(), user.localPart(), hash, quota.bytes(), quota.messages(), now);
        } catch (SQLException e) {
            throw duplicateOr(e, "user exists already: " + user);
        }
        changes.user(user.toString());
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first column of every row. */
    static List<String> strings(Connection c, String sql, Object... args) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    /** A unique-key violation (a concurrent add won the race) becomes a conflict; anything else stays. */
    static SQLException duplicateOr(SQLException e, String conflict) throws ConflictException {
        if (DUPLICATE_KEY.equals(e.getSQLState())) {
            throw new ConflictException(conflict, e);
        }
        return e;
    }
}
