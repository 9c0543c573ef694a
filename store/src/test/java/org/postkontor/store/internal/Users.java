package org.postkontor.store.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;

/**
 * Test support: writes domain and user rows straight into the index, so spool and maildrop tests
 * do not depend on the admin code.
 */
final class Users {
    private Users() {}

    static MailAddress add(Store store, String address) throws StoreException {
        return add(store, address, 0, 0, true);
    }

    static MailAddress add(Store store, String address, long quotaBytes, long quotaMessages, boolean enabled)
            throws StoreException {
        MailAddress a = MailAddress.parse(address);
        ((FileStore) store).database().write(c -> {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            long domainId;
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM domains WHERE name = ?")) {
                ps.setString(1, a.domain());
                try (ResultSet rs = ps.executeQuery()) {
                    domainId = rs.next() ? rs.getLong(1) : -1;
                }
            }
            if (domainId < 0) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO domains (name, created_at) VALUES (?, ?)", new String[] {"id"})) {
                    ps.setString(1, a.domain());
                    ps.setObject(2, now);
                    ps.executeUpdate();
                    try (ResultSet rs = ps.getGeneratedKeys()) {
                        rs.next();
                        domainId = rs.getLong(1);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO users (domain_id, local_part, address, password_hash, quota_bytes, quota_messages,"
                            + " enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, domainId);
                ps.setString(2, a.localPart());
                ps.setString(3, a.toString());
                ps.setString(4, "{PLAIN}secret");
                ps.setLong(5, quotaBytes);
                ps.setLong(6, quotaMessages);
                ps.setBoolean(7, enabled);
                ps.setObject(8, now);
                ps.executeUpdate();
            }
            return null;
        });
        return a;
    }

    static void set(Store store, MailAddress user, String column, Object value) throws StoreException {
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET " + column + " = ? WHERE address = ?")) {
                ps.setObject(1, value);
                ps.setString(2, user.toString());
                ps.executeUpdate();
            }
            return null;
        });
    }

    static void remove(Store store, MailAddress user) throws StoreException {
        ((FileStore) store).database().write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM users WHERE address = ?")) {
                ps.setString(1, user.toString());
                ps.executeUpdate();
            }
            return null;
        });
    }
}
