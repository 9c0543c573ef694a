package org.postkontor.store.internal.accounts;

import static org.postkontor.store.internal.accounts.AccountRows.checkPassword;
import static org.postkontor.store.internal.accounts.AccountRows.update;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.StoreException;
import org.postkontor.store.WebUsers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link WebUsers} in the {@code web_users} table of the accounts database, journaled as every accounts row. */
public final class JdbcWebUsers implements WebUsers {

    private static final Logger log = LoggerFactory.getLogger(AccountsAdministration.class);

    private final AccountsDatabase db;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final DummyHash dummyHash;

    public JdbcWebUsers(AccountsDatabase db, PasswordHasher hasher, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.dummyHash = new DummyHash(hasher);
    }

    @Override
    public void add(String name, char[] password) throws StoreException {
        String n = WebUsers.normalize(name);
        checkPassword(password);
        String hash = hasher.hash(password);
        db.write((c, changes) -> {
            try {
                update(c, "INSERT INTO web_users (name, password_hash, created_at) VALUES (?, ?, ?)", n, hash,
                        OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            } catch (SQLException e) {
                throw AccountRows.duplicateOr(e, "web user exists already: " + n);
            }
            changes.webUser(n);
            return null;
        });
        log.info("web user {} added", n);
    }

    @Override
    public void setPassword(String name, char[] password) throws StoreException {
        String n = WebUsers.normalize(name);
        checkPassword(password);
        String hash = hasher.hash(password);
        db.write((c, changes) -> {
            if (update(c, "UPDATE web_users SET password_hash = ? WHERE name = ?", hash, n) == 0) {
                throw new NotFoundException("no such web user: " + n);
            }
            changes.webUser(n);
            return null;
        });
        log.info("password of web user {} changed", n);
    }

    @Override
    public void remove(String name) throws StoreException {
        String n = WebUsers.normalize(name);
        db.write((c, changes) -> {
            if (update(c, "DELETE FROM web_users WHERE name = ?", n) == 0) {
                throw new NotFoundException("no such web user: " + n);
            }
            changes.webUser(n);
            return null;
        });
        log.info("web user {} removed", n);
    }

    @Override
    public List<WebUser> list() throws StoreException {
        return db.read(c -> {
            List<WebUser> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, created_at FROM web_users ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new WebUser(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant()));
                }
            }
            return out;
        });
    }

    @Override
    public boolean authenticate(String name, char[] password) throws StoreException {
        if (password == null || password.length == 0) {
            return false;
        }
        Optional<String> stored;
        try {
            String n = WebUsers.normalize(name);
            stored = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT password_hash FROM web_users WHERE name = ?")) {
                    ps.setString(1, n);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                    }
                }
            });
        } catch (IllegalArgumentException e) {
            stored = Optional.empty();
        }
        if (stored.isEmpty()) {
            dummyHash.verify(password);
            return false;
        }
        return hasher.verify(stored.get(), password);
    }
}
