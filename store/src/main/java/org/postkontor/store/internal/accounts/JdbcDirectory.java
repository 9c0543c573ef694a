package org.postkontor.store.internal.accounts;

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
import org.postkontor.store.internal.mail.MailboxLimits;

/**
 * {@link Directory} read from the accounts database on every call (no cache: an admin change is
 * seen by the next RCPT). One pooled connection and one query per call (two for a catch-all). Also
 * the accounts' view of a mailbox that the spool checks at each delivery ({@link #limits}).
 *
 * <p>Order: the domain (not hosted: {@link Resolution.NotHosted}); a user of that exact address,
 * enabled or not; an alias, delivering to those of its targets that are still users (none left:
 * badmail {@code dangling_alias}); the domain's unknown-recipient policy.
 */
public final class JdbcDirectory implements Directory {

    /** Badmail reason kinds this class decides (see {@code BadmailStore.BadmailReason}). */
    public static final String UNKNOWN_USER = "unknown_user";
    public static final String DANGLING_ALIAS = "dangling_alias";

    private final AccountsDatabase db;

    public JdbcDirectory(AccountsDatabase db) {
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

    /**
     * One round trip for the common cases: the domain's policy, whether the address is a user, and
     * (only if it is not) the alias rows with their targets that are still users.
     */
    private static final String LOOKUP = "SELECT d.policy, u.address, a.target, t.address FROM domains d"
            + " LEFT JOIN users u ON u.address = ?"
            + " LEFT JOIN aliases a ON u.address IS NULL AND a.address = ?"
            + " LEFT JOIN users t ON t.address = a.target"
            + " WHERE d.name = ? ORDER BY a.position";

    private static Resolution resolve(Connection c, MailAddress recipient) throws SQLException {
        String address = recipient.toString();
        String policyText = null;
        boolean isUser = false;
        boolean isAlias = false;
        Set<MailAddress> live = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(LOOKUP)) {
            ps.setString(1, address);
            ps.setString(2, address);
            ps.setString(3, recipient.domain());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    policyText = rs.getString(1);
                    isUser = rs.getString(2) != null;
                    if (rs.getString(3) != null) {
                        isAlias = true;
                        String target = rs.getString(4);
                        if (target != null) {
                            live.add(MailAddress.parse(target));
                        }
                    }
                }
            }
        }
        if (policyText == null) {
            return new Resolution.NotHosted();
        }
        if (isUser) {
            return new Resolution.Local(List.of(recipient));
        }
        if (isAlias) {
            return live.isEmpty()
                    ? new Resolution.ToBadmail(DANGLING_ALIAS)
                    : new Resolution.Local(new ArrayList<>(live));
        }
        RecipientPolicy policy = RecipientPolicy.parse(policyText);
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

    /**
     * The mailbox as a delivery sees it: a user or not, enabled, and its quota. A mailbox that is
     * no user (removed since RCPT) takes no new mail.
     */
    public MailboxLimits limits(String mailbox) throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT enabled, quota_bytes, quota_messages FROM users WHERE address = ?")) {
                ps.setString(1, mailbox);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? new MailboxLimits(true, rs.getBoolean(1), rs.getLong(2), rs.getLong(3))
                            : MailboxLimits.NO_USER;
                }
            }
        });
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
}
