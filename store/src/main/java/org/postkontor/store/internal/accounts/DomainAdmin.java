package org.postkontor.store.internal.accounts;

import static org.postkontor.store.internal.accounts.AccountRows.count;
import static org.postkontor.store.internal.accounts.AccountRows.domainName;
import static org.postkontor.store.internal.accounts.AccountRows.requireDomain;
import static org.postkontor.store.internal.accounts.AccountRows.strings;
import static org.postkontor.store.internal.accounts.AccountRows.update;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.postkontor.store.Administration.DomainInfo;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosted domains and their unknown-recipient policy. A forced removal takes the domain's users and
 * aliases with it and keeps their mail (as removing a user with "keep mail" does).
 */
final class DomainAdmin {

    private static final Logger log = LoggerFactory.getLogger(AccountsAdministration.class);

    private final AccountsDatabase db;
    private final Clock clock;

    DomainAdmin(AccountsDatabase db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    void add(String domain) throws StoreException {
        String name = domainName(domain);
        db.write((c, changes) -> {
            if (AccountRows.exists(c, "SELECT 1 FROM domains WHERE name = ?", name)) {
                throw new ConflictException("domain exists already: " + name);
            }
            try {
                update(c, "INSERT INTO domains (name, policy, created_at) VALUES (?, ?, ?)", name,
                        new RecipientPolicy.Reject().text(), OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            } catch (java.sql.SQLException e) {
                throw AccountRows.duplicateOr(e, "domain exists already: " + name);
            }
            changes.domain(name);
            return null;
        });
        log.info("domain {} added", name);
    }

    List<DomainInfo> list() throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT d.name, d.policy,"
                            + " (SELECT COUNT(*) FROM users u WHERE u.domain = d.name),"
                            + " (SELECT COUNT(DISTINCT a.address) FROM aliases a WHERE a.domain = d.name)"
                            + " FROM domains d ORDER BY d.name");
                 ResultSet rs = ps.executeQuery()) {
                List<DomainInfo> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new DomainInfo(rs.getString(1), RecipientPolicy.parse(rs.getString(2)), rs.getInt(3),
                            rs.getInt(4)));
                }
                return out;
            }
        });
    }

    void remove(String domain, boolean force) throws StoreException {
        String name = domainName(domain);
        db.write((c, changes) -> {
            requireDomain(c, name);
            List<String> users = strings(c, "SELECT address FROM users WHERE domain = ?", name);
            long aliases = count(c, "SELECT COUNT(DISTINCT address) FROM aliases WHERE domain = ?", name);
            if ((!users.isEmpty() || aliases > 0) && !force) {
                throw new ConflictException("domain " + name + " still has " + users.size() + " user(s) and " + aliases
                        + " alias(es); remove them first or force");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT address, target FROM aliases WHERE domain = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        changes.alias(rs.getString(1), rs.getString(2));
                    }
                }
            }
            users.forEach(changes::user);
            changes.domain(name);
            update(c, "DELETE FROM aliases WHERE domain = ?", name);
            update(c, "DELETE FROM users WHERE domain = ?", name);
            update(c, "DELETE FROM domains WHERE name = ?", name);
            return null;
        });
        log.info("domain {} removed{}", name, force ? " (forced; mail of its users kept)" : "");
    }

    void setPolicy(String domain, RecipientPolicy policy) throws StoreException {
        String name = domainName(domain);
        Objects.requireNonNull(policy, "policy");
        RecipientPolicy normalized = policy;
        MailAddress catchAll = null;
        if (policy instanceof RecipientPolicy.CatchAll ca) {
            catchAll = catchAllAddress(ca.localPart(), name);
            normalized = new RecipientPolicy.CatchAll(catchAll.localPart());
        }
        MailAddress target = catchAll;
        String text = normalized.text();
        db.write((c, changes) -> {
            requireDomain(c, name);
            if (target != null && !AccountRows.userExists(c, target)) {
                throw new NotFoundException("no such user for the catch-all: " + target);
            }
            update(c, "UPDATE domains SET policy = ? WHERE name = ?", text, name);
            changes.domain(name);
            return null;
        });
        log.info("domain {} policy set to {}", name, text);
    }

    private static MailAddress catchAllAddress(String localPart, String domain) {
        if (localPart.indexOf('@') >= 0) {
            throw new IllegalArgumentException("a catch-all names a user of its own domain, without @domain: "
                    + localPart);
        }
        try {
            return new MailAddress(localPart, domain);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid local part for a catch-all: " + localPart, e);
        }
    }
}
