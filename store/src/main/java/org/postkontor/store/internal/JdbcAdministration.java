package org.postkontor.store.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Administration} on the H2 index. Each call is one {@link Database#write} (committed and
 * synced) or one read. Errors are typed: {@link NotFoundException} for an unknown domain, user or
 * alias; {@link ConflictException} for a duplicate, an address that is both user and alias, a
 * domain that still has users or aliases, or removing a domain's catch-all user;
 * {@link IllegalArgumentException} for malformed input (domain name, empty password, a catch-all
 * that is not a plain local part).
 *
 * <p>Decisions beyond the interface: a user and an alias never share an address; a removed user's
 * alias rows stay (mail to such an alias goes to badmail as {@code dangling_alias}); a forced
 * domain removal keeps the mail of its users (as {@code removeUser(user, false)} does). Needs the
 * store's directories for {@link #stats()}.
 */
public final class JdbcAdministration implements Administration {

    private static final Logger log = LoggerFactory.getLogger(JdbcAdministration.class);

    /** Column width of {@code users.password_hash}. */
    static final int MAX_STORED_HASH = 1000;
    private static final String DUPLICATE_KEY = "23505";

    private final Database db;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final MailboxPurger purger;
    private final StoreConfig dirs;
    private final SecureRandom random = new SecureRandom();

    public JdbcAdministration(Database db, PasswordHasher hasher, Clock clock, MailboxPurger purger,
                              StoreConfig dirs) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.purger = Objects.requireNonNull(purger, "purger");
        this.dirs = Objects.requireNonNull(dirs, "dirs");
    }

    // ---------------------------------------------------------------- domains

    @Override
    public void addDomain(String domain) throws StoreException {
        String name = domainName(domain);
        db.write(c -> {
            if (findDomainId(c, name).isPresent()) {
                throw new ConflictException("domain exists already: " + name);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO domains (name, policy, created_at) VALUES (?, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, new RecipientPolicy.Reject().text());
                ps.setObject(3, now());
                ps.executeUpdate();
            } catch (SQLException e) {
                throw duplicateOr(e, "domain exists already: " + name);
            }
            return null;
        });
        log.info("domain {} added", name);
    }

    @Override
    public List<DomainInfo> domains() throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT d.name, d.policy,"
                            + " (SELECT COUNT(*) FROM users u WHERE u.domain_id = d.id),"
                            + " (SELECT COUNT(DISTINCT a.address) FROM aliases a WHERE a.domain_id = d.id)"
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

    @Override
    public void removeDomain(String domain, boolean force) throws StoreException {
        String name = domainName(domain);
        db.write(c -> {
            long id = domainId(c, name);
            long users = count(c, "SELECT COUNT(*) FROM users WHERE domain_id = ?", id);
            long aliases = count(c, "SELECT COUNT(DISTINCT address) FROM aliases WHERE domain_id = ?", id);
            if ((users > 0 || aliases > 0) && !force) {
                throw new ConflictException("domain " + name + " still has " + users + " user(s) and " + aliases
                        + " alias(es); remove them first or force");
            }
            update(c, "DELETE FROM aliases WHERE domain_id = ?", id);
            update(c, "DELETE FROM users WHERE domain_id = ?", id);
            update(c, "DELETE FROM domains WHERE id = ?", id);
            return null;
        });
        log.info("domain {} removed{}", name, force ? " (forced; mail of its users kept)" : "");
    }

    @Override
    public void setPolicy(String domain, RecipientPolicy policy) throws StoreException {
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
        db.write(c -> {
            domainId(c, name);
            if (target != null && !userExists(c, target)) {
                throw new NotFoundException("no such user for the catch-all: " + target);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE domains SET policy = ? WHERE name = ?")) {
                ps.setString(1, text);
                ps.setString(2, name);
                ps.executeUpdate();
            }
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

    // ---------------------------------------------------------------- users

    @Override
    public void addUser(MailAddress user, char[] password, Quota quota) throws StoreException {
        Objects.requireNonNull(user, "user");
        checkPassword(password);
        Quota q = quota == null ? Quota.NONE : quota;
        String hash = hasher.hash(password);
        ScramCredential scram = JdbcAccounts.deriveScram(password, random);
        db.write(c -> {
            long domainId = domainId(c, user.domain());
            if (userExists(c, user)) {
                throw new ConflictException("user exists already: " + user);
            }
            if (aliasExists(c, user)) {
                throw new ConflictException("address is an alias: " + user);
            }
            try {
                insertUser(c, domainId, user, hash, q);
            } catch (SQLException e) {
                throw duplicateOr(e, "user exists already: " + user);
            }
            JdbcAccounts.storeCredentials(c, user, null, hash, scram);
            return null;
        });
        log.info("user {} added", user);
    }

    @Override
    public void importUsers(List<ImportedUser> users) throws StoreException {
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
        db.write(c -> {
            Map<String, Long> domainIds = new HashMap<>();
            for (ImportedUser u : users) {
                String domain = u.address().domain();
                Long domainId = domainIds.get(domain);
                if (domainId == null) {
                    domainId = findDomainId(c, domain).orElseThrow(() -> new NotFoundException(
                            "line " + u.sourceLine() + ": no such domain: " + domain + " (user " + u.address() + ")"));
                    domainIds.put(domain, domainId);
                }
                if (userExists(c, u.address())) {
                    throw new ConflictException("line " + u.sourceLine() + ": user exists already: " + u.address());
                }
                if (aliasExists(c, u.address())) {
                    throw new ConflictException("line " + u.sourceLine() + ": address is an alias: " + u.address());
                }
                try {
                    insertUser(c, domainId, u.address(), u.storedHash(), Quota.NONE);
                } catch (SQLException e) {
                    throw duplicateOr(e, "line " + u.sourceLine() + ": user exists already: " + u.address());
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
        if (h.length() > MAX_STORED_HASH) {
            throw new IllegalArgumentException("line " + u.sourceLine() + ": password hash longer than "
                    + MAX_STORED_HASH + " characters for " + u.address());
        }
        for (int i = 0; i < h.length(); i++) {
            if (Character.isISOControl(h.charAt(i))) {
                throw new IllegalArgumentException("line " + u.sourceLine() + ": control character in the password"
                        + " hash of " + u.address());
            }
        }
    }

    @Override
    public void setPassword(MailAddress user, char[] password) throws StoreException {
        Objects.requireNonNull(user, "user");
        checkPassword(password);
        String hash = hasher.hash(password);
        ScramCredential scram = JdbcAccounts.deriveScram(password, random);
        db.write(c -> {
            if (JdbcAccounts.storeCredentials(c, user, null, hash, scram) == 0) {
                throw new NotFoundException("no such user: " + user);
            }
            return null;
        });
        log.info("password of {} changed", user);
    }

    @Override
    public void setEnabled(MailAddress user, boolean enabled) throws StoreException {
        Objects.requireNonNull(user, "user");
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET enabled = ? WHERE address = ?")) {
                ps.setBoolean(1, enabled);
                ps.setString(2, user.toString());
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("no such user: " + user);
                }
            }
            return null;
        });
        log.info("user {} {}", user, enabled ? "enabled" : "disabled");
    }

    @Override
    public void setQuota(MailAddress user, Quota quota) throws StoreException {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(quota, "quota");
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE users SET quota_bytes = ?, quota_messages = ? WHERE address = ?")) {
                ps.setLong(1, quota.bytes());
                ps.setLong(2, quota.messages());
                ps.setString(3, user.toString());
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("no such user: " + user);
                }
            }
            return null;
        });
        log.info("quota of {} set to {} bytes, {} messages", user, quota.bytes(), quota.messages());
    }

    @Override
    public void removeUser(MailAddress user, boolean deleteMail) throws StoreException {
        Objects.requireNonNull(user, "user");
        db.write(c -> {
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
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM users WHERE address = ?")) {
                ps.setString(1, user.toString());
                ps.executeUpdate();
            }
            return null;
        });
        if (deleteMail) {
            try {
                purger.purge(user);
            } catch (StoreException e) {
                throw new StoreException("user " + user + " was removed, but its mail could not be deleted", e);
            }
        }
        log.info("user {} removed, its mail {}", user, deleteMail ? "deleted" : "kept");
    }

    @Override
    public List<Account> users(Optional<String> domain) throws StoreException {
        Optional<String> name = domain == null ? Optional.empty() : domain.map(JdbcAdministration::domainName);
        return db.read(c -> {
            if (name.isPresent()) {
                domainId(c, name.get());
            }
            String sql = ACCOUNT_SELECT + (name.isPresent() ? " JOIN domains d ON d.id = u.domain_id WHERE d.name = ?" : "")
                    + " ORDER BY u.address";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (name.isPresent()) {
                    ps.setString(1, name.get());
                }
                return accounts(ps);
            }
        });
    }

    @Override
    public Optional<Account> user(MailAddress user) throws StoreException {
        Objects.requireNonNull(user, "user");
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(ACCOUNT_SELECT + " WHERE u.address = ?")) {
                ps.setString(1, user.toString());
                return accounts(ps).stream().findFirst();
            }
        });
    }

    private static final String ACCOUNT_SELECT =
            "SELECT u.address, u.enabled, u.quota_bytes, u.quota_messages,"
                    + " (SELECT COUNT(*) FROM mailbox_entries e WHERE e.mailbox = u.address),"
                    + " (SELECT COALESCE(SUM(e.octets), 0) FROM mailbox_entries e WHERE e.mailbox = u.address),"
                    + " u.password_hash FROM users u";

    private List<Account> accounts(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            List<Account> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Account(MailAddress.parse(rs.getString(1)), rs.getBoolean(2), rs.getLong(3),
                        rs.getLong(4), rs.getLong(5), rs.getLong(6), schemeOf(rs.getString(7))));
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

    // ---------------------------------------------------------------- aliases

    @Override
    public void addAlias(MailAddress alias, List<MailAddress> targets) throws StoreException {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(targets, "targets");
        Set<MailAddress> distinct = new LinkedHashSet<>(targets);
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("an alias needs at least one target");
        }
        if (distinct.contains(alias)) {
            throw new IllegalArgumentException("an alias cannot point to itself: " + alias);
        }
        db.write(c -> {
            long domainId = domainId(c, alias.domain());
            if (userExists(c, alias)) {
                throw new ConflictException("address is a user: " + alias);
            }
            for (MailAddress t : distinct) {
                if (!userExists(c, t)) {
                    throw new NotFoundException("no such user (alias target): " + t);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM aliases WHERE address = ?")) {
                ps.setString(1, alias.toString());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO aliases (domain_id, address, target) VALUES (?, ?, ?)")) {
                for (MailAddress t : distinct) {
                    ps.setLong(1, domainId);
                    ps.setString(2, alias.toString());
                    ps.setString(3, t.toString());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
        log.info("alias {} -> {}", alias, distinct);
    }

    @Override
    public List<Alias> aliases(Optional<String> domain) throws StoreException {
        Optional<String> name = domain == null ? Optional.empty() : domain.map(JdbcAdministration::domainName);
        return db.read(c -> {
            if (name.isPresent()) {
                domainId(c, name.get());
            }
            String sql = "SELECT a.address, a.target FROM aliases a"
                    + (name.isPresent() ? " JOIN domains d ON d.id = a.domain_id WHERE d.name = ?" : "")
                    + " ORDER BY a.address, a.id";
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

    @Override
    public void removeAlias(MailAddress alias) throws StoreException {
        Objects.requireNonNull(alias, "alias");
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM aliases WHERE address = ?")) {
                ps.setString(1, alias.toString());
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("no such alias: " + alias);
                }
            }
            return null;
        });
        log.info("alias {} removed", alias);
    }

    // ---------------------------------------------------------------- status

    @Override
    public StoreStats stats() throws StoreException {
        long[] totals = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM mailbox_entries),"
                            + " (SELECT COALESCE(SUM(octets), 0) FROM messages)");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        });
        try {
            return new StoreStats(totals[0], totals[1], totals[2], usableBytes(dirs.spoolDir()),
                    usableBytes(dirs.indexDir()), usableBytes(dirs.badmailDir()), sizeOf(dirs.indexDir()));
        } catch (IOException | UncheckedIOException e) {
            throw new StoreException("cannot read the size of the store's volumes", e);
        }
    }

    /** Usable bytes of the volume holding {@code dir} (or its nearest existing ancestor). */
    static long usableBytes(Path dir) throws IOException {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IOException("no existing directory above " + dir);
        }
        return Files.getFileStore(p).getUsableSpace();
    }

    private static long sizeOf(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // vanished while walking (H2 temp files)
                }
            }).sum();
        }
    }

    // ---------------------------------------------------------------- helpers

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

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

    private static void checkPassword(char[] password) {
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

    private void insertUser(Connection c, long domainId, MailAddress user, String hash, Quota quota)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO users (domain_id, local_part, address, password_hash, quota_bytes, quota_messages,"
                        + " enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, ?)")) {
            ps.setLong(1, domainId);
            ps.setString(2, user.localPart());
            ps.setString(3, user.toString());
            ps.setString(4, hash);
            ps.setLong(5, quota.bytes());
            ps.setLong(6, quota.messages());
            ps.setObject(7, now());
            ps.executeUpdate();
        }
    }

    private static Optional<Long> findDomainId(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM domains WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    private static long domainId(Connection c, String name) throws SQLException, NotFoundException {
        Optional<Long> id = findDomainId(c, name);
        if (id.isEmpty()) {
            throw new NotFoundException("no such domain: " + name);
        }
        return id.get();
    }

    private static boolean userExists(Connection c, MailAddress user) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM users WHERE address = ?")) {
            ps.setString(1, user.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static boolean aliasExists(Connection c, MailAddress address) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM aliases WHERE address = ?")) {
            ps.setString(1, address.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static long count(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void update(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    /** A unique-key violation (a concurrent add won the race) becomes a conflict; anything else stays. */
    private static SQLException duplicateOr(SQLException e, String conflict) throws ConflictException {
        if (DUPLICATE_KEY.equals(e.getSQLState())) {
            throw new ConflictException(conflict, e);
        }
        return e;
    }
}
