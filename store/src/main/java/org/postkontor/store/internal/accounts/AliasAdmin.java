package org.postkontor.store.internal.accounts;

import static org.postkontor.store.internal.accounts.AccountRows.requireDomain;
import static org.postkontor.store.internal.accounts.AccountRows.update;
import static org.postkontor.store.internal.accounts.AccountRows.userExists;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.postkontor.store.Administration.Alias;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Aliases: one address delivered to one or more existing local users, targets in the order given. */
final class AliasAdmin {

    private static final Logger log = LoggerFactory.getLogger(AccountsAdministration.class);

    private final AccountsDatabase db;

    AliasAdmin(AccountsDatabase db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /** Replaces an existing alias of that address. */
    void add(MailAddress alias, List<MailAddress> targets) throws StoreException {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(targets, "targets");
        Set<MailAddress> distinct = new LinkedHashSet<>(targets);
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("an alias needs at least one target");
        }
        if (distinct.contains(alias)) {
            throw new IllegalArgumentException("an alias cannot point to itself: " + alias);
        }
        db.write((c, changes) -> {
            requireDomain(c, alias.domain());
            if (userExists(c, alias)) {
                throw new ConflictException("address is a user: " + alias);
            }
            for (MailAddress t : distinct) {
                if (!userExists(c, t)) {
                    throw new NotFoundException("no such user (alias target): " + t);
                }
            }
            for (String old : AccountRows.strings(c, "SELECT target FROM aliases WHERE address = ?", alias.toString())) {
                changes.alias(alias.toString(), old);
            }
            update(c, "DELETE FROM aliases WHERE address = ?", alias.toString());
            int position = 0;
            for (MailAddress t : distinct) {
                update(c, "INSERT INTO aliases (address, target, domain, position) VALUES (?, ?, ?, ?)",
                        alias.toString(), t.toString(), alias.domain(), position++);
                changes.alias(alias.toString(), t.toString());
            }
            return null;
        });
        log.info("alias {} -> {}", alias, distinct);
    }

    List<Alias> list(Optional<String> domain) throws StoreException {
        Optional<String> name = domain == null ? Optional.empty() : domain.map(AccountRows::domainName);
        return db.read(c -> {
            if (name.isPresent()) {
                requireDomain(c, name.get());
            }
            String sql = "SELECT address, target FROM aliases" + (name.isPresent() ? " WHERE domain = ?" : "")
                    + " ORDER BY address, position";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (name.isPresent()) {
                    ps.setString(1, name.get());
                }
                Map<String, List<MailAddress>> byAddress = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byAddress.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(MailAddress.parse(rs.getString(2)));
                    }
                }
                List<Alias> out = new ArrayList<>();
                byAddress.forEach((a, t) -> out.add(new Alias(MailAddress.parse(a), t)));
                return out;
            }
        });
    }

    void remove(MailAddress alias) throws StoreException {
        Objects.requireNonNull(alias, "alias");
        db.write((c, changes) -> {
            List<String> targets = AccountRows.strings(c, "SELECT target FROM aliases WHERE address = ?",
                    alias.toString());
            if (targets.isEmpty()) {
                throw new NotFoundException("no such alias: " + alias);
            }
            targets.forEach(t -> changes.alias(alias.toString(), t));
            update(c, "DELETE FROM aliases WHERE address = ?", alias.toString());
            return null;
        });
        log.info("alias {} removed", alias);
    }
}
