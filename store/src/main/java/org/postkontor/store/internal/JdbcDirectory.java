package org.postkontor.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Resolution;
import org.postkontor.store.StoreException;

/**
 * {@link Directory} read from the H2 index on every call (no cache: an admin change is seen by
 * the next RCPT). One pooled connection and at most three indexed look-ups per call.
 *
 * <p>Order: the domain (not hosted: {@link Resolution.NotHosted}); a user of that exact address,
 * enabled or not; an alias, delivering to those of its targets that are still users (none left:
 * badmail {@code dangling_alias}); the domain's unknown-recipient policy.
 */
public final class JdbcDirectory implements Directory {

    /** Badmail reason kinds this class decides (see {@code BadmailStore.BadmailReason}). */
    public static final String UNKNOWN_USER = "unknown_user";
    public static final String DANGLING_ALIAS = "dangling_alias";

    private final Database db;

    public JdbcDirectory(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public boolean isHosted(String domain) throws StoreException {
        if (domain == null || domain.isEmpty()) {
            return false;
        }
        String d = MailAddress.normalizeDomain(domain);
        return db.read(c -> policyOf(c, d).isPresent());
    }

    @Override
    public Resolution resolve(MailAddress recipient) throws StoreException {
        Objects.requireNonNull(recipient, "recipient");
        return db.read(c -> resolve(c, recipient));
    }

    private static Resolution resolve(Connection c, MailAddress recipient) throws SQLException {
        Optional<String> policyText = policyOf(c, recipient.domain());
        if (policyText.isEmpty()) {
            return new Resolution.NotHosted();
        }
        String address = recipient.toString();
        if (userExists(c, address)) {
            return new Resolution.Local(List.of(recipient));
        }
        Optional<List<MailAddress>> alias = aliasTargets(c, address);
        if (alias.isPresent()) {
            return alias.get().isEmpty()
                    ? new Resolution.ToBadmail(DANGLING_ALIAS)
                    : new Resolution.Local(alias.get());
        }
        RecipientPolicy policy = RecipientPolicy.parse(policyText.get());
        return switch (policy) {
            case RecipientPolicy.Reject r -> new Resolution.UnknownUser();
            case RecipientPolicy.Badmail b -> new Resolution.ToBadmail(UNKNOWN_USER);
            case RecipientPolicy.CatchAll ca -> {
                MailAddress target = catchAllTarget(ca, recipient.domain());
                yield target != null && userExists(c, target.toString())
                        ? new Resolution.Local(List.of(target))
                        : new Resolution.UnknownUser();
            }
        };
    }

    private static MailAddress catchAllTarget(RecipientPolicy.CatchAll ca, String domain) {
        try {
            return new MailAddress(ca.localPart(), domain);
        } catch (IllegalArgumentException e) {
            return null; // refused by Administration.setPolicy; only a hand-edited index gets here
        }
    }

    private static Optional<String> policyOf(Connection c, String domain) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT policy FROM domains WHERE name = ?")) {
            ps.setString(1, domain);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static boolean userExists(Connection c, String address) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM users WHERE address = ?")) {
            ps.setString(1, address);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Empty if no alias has this address; else the targets that are still users, in the order
     * they were added (possibly none).
     */
    private static Optional<List<MailAddress>> aliasTargets(Connection c, String address) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.target, u.address FROM aliases a LEFT JOIN users u ON u.address = a.target"
                        + " WHERE a.address = ? ORDER BY a.id")) {
            ps.setString(1, address);
            try (ResultSet rs = ps.executeQuery()) {
                boolean any = false;
                Set<MailAddress> live = new LinkedHashSet<>();
                while (rs.next()) {
                    any = true;
                    String user = rs.getString(2);
                    if (user != null) {
                        live.add(MailAddress.parse(user));
                    }
                }
                return any ? Optional.of(new ArrayList<>(live)) : Optional.empty();
            }
        }
    }
}
