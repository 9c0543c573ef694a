package org.postkontor.store.internal.accounts;

import static org.postkontor.store.internal.accounts.AccountRows.aliasExists;
import static org.postkontor.store.internal.accounts.AccountRows.checkPassword;
import static org.postkontor.store.internal.accounts.AccountRows.requireDomain;
import static org.postkontor.store.internal.accounts.AccountRows.update;
import static org.postkontor.store.internal.accounts.AccountRows.userExists;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.postkontor.store.Account;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users: add (hashed, with SCRAM keys), import with hashes as they are, password, enable/disable,
 * quota, remove with or without their mail, and listings with each mailbox's usage. A user and an
 * alias never share an address; a removed user's alias rows stay (mail to such an alias goes to
 * badmail as {@code dangling_alias}); the catch-all user of a domain cannot be removed.
 */
final class UserAdmin {

    private static final Logger log = LoggerFactory.getLogger(AccountsAdministration.class);

    private final AccountsDatabase db;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final Mailboxes mailboxes;
    private final SecureRandom random = new SecureRandom();

    UserAdmin(AccountsDatabase db, PasswordHasher hasher, Clock clock, Mailboxes mailboxes) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.mailboxes = Objects.requireNonNull(mailboxes, "mailboxes");
    }

    void add(MailAddress user, char[] password, Quota quota) throws StoreException {
        Objects.requireNonNull(user, "user");
        checkPassword(password);
        Quota q = quota == null ? Quota.NONE : quota;
        String hash = hasher.hash(password);
        ScramCredential scram = AccountsAuthentication.deriveScram(password, random);
        db.write((c, changes) -> {
            requireDomain(c, user.domain());
            if (userExists(c, user)) {
                throw new ConflictException("user exists already: " + user);
            }
            if (aliasExists(c, user)) {
                throw new ConflictException("address is an alias: " + user);
            }
            AccountRows.insertUser(c, changes, user, hash, q, now());
            AccountsAuthentication.storeCredentials(c, changes, user, null, hash, scram);
            return null;
        });
        log.info("user {} added", user);
    }

    void importAll(List<ImportedUser> users) throws StoreException {
        Objects.requireNonNull(users, "users");
        Map<MailAddress, Integer> seen = new HashMap<>();
        for (ImportedUser u : users) {
            Objects.requireNonNull(u, "user");
            Objects.requireNonNull(u.address(), "address");
            checkStoredHash(u);
            Integer first = seen.putIfAbsent(u.address(), u.sourceLine());
            if (first != null) {
                throw new ConflictException("line " + u.sourceLine() + ": user " + u.address()
                        + " is listed twice (first on line " + first + ")");
            }
        }
        db.write((c, changes) -> {
            Set<String> domains = new HashSet<>();
            OffsetDateTime now = now();
            for (ImportedUser u : users) {
                String domain = u.address().domain();
                if (!domains.contains(domain)) {
                    if (!AccountRows.exists(c, "SELECT 1 FROM domains WHERE name = ?", domain)) {
                        throw new NotFoundException("line " + u.sourceLine() + ": no such domain: " + domain
                                + " (user " + u.address() + ")");
                    }
                    domains.add(domain);
                }
                if (userExists(c, u.address())) {
                    throw new ConflictException("line " + u.sourceLine() + ": user exists already: " + u.address());
                }
                if (aliasExists(c, u.address())) {
                    throw new ConflictException("line " + u.sourceLine() + ": address is an alias: " + u.address());
                }
                try {
                    AccountRows.insertUser(c, changes, u.address(), u.storedHash(), Quota.NONE, now);
                } catch (ConflictException e) {
                    throw new ConflictException("line " + u.sourceLine() + ": " + e.getMessage(), e);
                }
            }
            return null;
        });
        log.info("imported {} user(s)", users.size());
    }

    private static void checkStoredHash(ImportedUser u) {
        String h = u.storedHash();
        if (h == null || h.isBlank()) {
            throw new IllegalArgumentException("line " + u.sourceLine() + ": no password hash for " + u.address());
        }
        if (h.length() > AccountRows.MAX_STORED_HASH) {
            throw new IllegalArgumentException("line " + u.sourceLine() + ": password hash longer than "
                    + AccountRows.MAX_STORED_HASH + " characters for " + u.address());
        }
        for (int i = 0; i < h.length(); i++) {
            if (Character.isISOControl(h.charAt(i))) {
                throw new IllegalArgumentException("line " + u.sourceLine() + ": control character in the password"
                        + " hash of " + u.address());
            }
        }
    }

    void setPassword(MailAddress user, char[] password) throws StoreException {
        Objects.requireNonNull(user, "user");
        checkPassword(password);
        String hash = hasher.hash(password);
        ScramCredential scram = AccountsAuthentication.deriveScram(password, random);
        db.write((c, changes) -> {
            if (AccountsAuthentication.storeCredentials(c, changes, user, null, hash, scram) == 0) {
                throw new NotFoundException("no such user: " + user);
            }
            return null;
        });
        log.info("password of {} changed", user);
    }

    void setEnabled(MailAddress user, boolean enabled) throws StoreException {
        Objects.requireNonNull(user, "user");
        db.write((c, changes) -> {
            if (update(c, "UPDATE users SET enabled = ? WHERE address = ?", enabled, user.toString()) == 0) {
                throw new NotFoundException("no such user: " + user);
            }
            changes.user(user.toString());
            return null;
        });
        log.info("user {} {}", user, enabled ? "enabled" : "disabled");
    }

    void setQuota(MailAddress user, Quota quota) throws StoreException {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(quota, "quota");
        db.write((c, changes) -> {
            if (update(c, "UPDATE users SET quota_bytes = ?, quota_messages = ? WHERE address = ?", quota.bytes(),
                    quota.messages(), user.toString()) == 0) {
                throw new NotFoundException("no such user: " + user);
            }
            changes.user(user.toString());
            return null;
        });
        log.info("quota of {} set to {} bytes, {} messages", user, quota.bytes(), quota.messages());
    }

    /**
     * Removes the user (committed first), then, with {@code deleteMail}, its mail; if that fails,
     * the call fails saying the user is gone but its mail is not (re-adding the user serves it).
     */
    void remove(MailAddress user, boolean deleteMail) throws StoreException {
        Objects.requireNonNull(user, "user");
        db.write((c, changes) -> {
            if (!userExists(c, user)) {
                throw new NotFoundException("no such user: " + user);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT policy FROM domains WHERE name = ?")) {
                ps.setString(1, user.domain());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && RecipientPolicy.parse(rs.getString(1)) instanceof RecipientPolicy.CatchAll ca
                            && ca.localPart().equals(user.localPart())) {
                        throw new ConflictException("user " + user + " is the catch-all of " + user.domain()
                                + "; change the domain's policy first");
                    }
                }
            }
            update(c, "DELETE FROM users WHERE address = ?", user.toString());
            changes.user(user.toString());
            return null;
        });
        if (deleteMail) {
            try {
                mailboxes.purge(user);
            } catch (StoreException e) {
                throw new StoreException("user " + user + " was removed, but its mail could not be deleted", e);
            }
        }
        log.info("user {} removed, its mail {}", user, deleteMail ? "deleted" : "kept");
    }

    List<Account> list(Optional<String> domain) throws StoreException {
        Optional<String> name = domain == null ? Optional.empty() : domain.map(AccountRows::domainName);
        return db.read(c -> {
            if (name.isPresent()) {
                requireDomain(c, name.get());
            }
            String sql = ACCOUNT_SELECT + (name.isPresent() ? " WHERE domain = ?" : "") + " ORDER BY address";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (name.isPresent()) {
                    ps.setString(1, name.get());
                }
                return accounts(ps);
            }
        });
    }

    Optional<Account> get(MailAddress user) throws StoreException {
        Objects.requireNonNull(user, "user");
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(ACCOUNT_SELECT + " WHERE address = ?")) {
                ps.setString(1, user.toString());
                return accounts(ps).stream().findFirst();
            }
        });
    }

    private static final String ACCOUNT_SELECT =
            "SELECT address, enabled, quota_bytes, quota_messages, password_hash FROM users";

    private List<Account> accounts(PreparedStatement ps) throws SQLException, StoreException {
        try (ResultSet rs = ps.executeQuery()) {
            List<Account> out = new ArrayList<>();
            while (rs.next()) {
                String address = rs.getString(1);
                Mailboxes.Usage usage = mailboxes.usage(address);
                out.add(new Account(MailAddress.parse(address), rs.getBoolean(2), rs.getLong(3), rs.getLong(4),
                        usage.messages(), usage.octets(), schemeOf(rs.getString(5))));
            }
            return out;
        }
    }

    private String schemeOf(String stored) {
        try {
            return hasher.scheme(stored);
        } catch (RuntimeException e) {
            return "UNKNOWN";
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
