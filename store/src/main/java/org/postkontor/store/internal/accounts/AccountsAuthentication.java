package org.postkontor.store.internal.accounts;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.Accounts;
import org.postkontor.store.MailAddress;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Accounts} on the accounts: users are read from the {@link AccountsView} (no SQL per
 * login), credential upgrades written through {@link AccountsDatabase#write}.
 *
 * <p>Login names are full addresses, normalized as {@link MailAddress} does. A login that does not
 * parse, an unknown user and a disabled user all cost one hash verification (against a dummy hash
 * made once with the current scheme), so the answer time does not tell whether a user exists.
 *
 * <p>After a successful plaintext login, a hash in an old scheme is replaced by one in the current
 * scheme, and SCRAM-SHA-256 keys are stored when missing (imported users), in one durable write.
 * That write is conditional on the hash still being the one verified, so a concurrent password
 * change wins. If the write fails, the login still succeeds (the old hash stays valid) and the
 * next login tries again.
 *
 * <p>Successful plaintext verifications are remembered in an {@link AuthCache}: the same user with
 * the same password, while the user still holds the hash it was verified against, logs in
 * without the slow hash. The row is read at every login, so a password change, disable or delete
 * counts at once; a wrong password always gets the full verification; failures are not cached.
 * SCRAM does not use the cache.
 */
public final class AccountsAuthentication implements Accounts {

    private static final Logger log = LoggerFactory.getLogger(AccountsAuthentication.class);

    /** Length of new SCRAM salts (RFC 5802 does not fix one; 16 bytes as Dovecot and Cyrus do). */
    static final int SCRAM_SALT_BYTES = 16;

    private final AccountsDatabase db;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final AuthCache cache;
    private final StoreMetrics metrics;
    private final SecureRandom random = new SecureRandom();
    private final DummyHash dummyHash;

    /** Without an auth cache. */
    public AccountsAuthentication(AccountsDatabase db, PasswordHasher hasher, Clock clock) {
        this(db, hasher, clock, AuthCache.off(clock), StoreMetrics.NOOP);
    }

    AccountsAuthentication(AccountsDatabase db, PasswordHasher hasher, Clock clock, AuthCache cache, StoreMetrics metrics) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.dummyHash = new DummyHash(hasher);
    }

    /** With the auth cache {@code config} asks for. */
    public static AccountsAuthentication withCache(AccountsDatabase db, PasswordHasher hasher, Clock clock, StoreConfig config,
                                  StoreMetrics metrics) {
        return new AccountsAuthentication(db, hasher, clock, new AuthCache(config.authCacheTtl(), config.authCacheSize(), clock),
                metrics);
    }

    private record Row(MailAddress address, String hash, boolean enabled, boolean hasScram) {}

    @Override
    public Optional<MailAddress> authenticate(String login, char[] password) throws StoreException {
        Objects.requireNonNull(password, "password");
        Optional<MailAddress> address = parse(login);
        Optional<Row> row = address.isPresent() ? find(address.get()) : Optional.empty();
        if (row.isEmpty() || !row.get().enabled()) {
            address.ifPresent(cache::forget);
            dummyHash.verify(password); // same cost as a real check
            return Optional.empty();
        }
        Row user = row.get();
        if (cache.enabled()) {
            boolean hit = cache.matches(user.address(), user.hash(), password);
            metrics.authCache(hit);
            if (hit) {
                return Optional.of(user.address());
            }
        }
        if (!hasher.verify(user.hash(), password)) {
            return Optional.empty();
        }
        String current = user.hash();
        if (hasher.needsRehash(user.hash()) || !user.hasScram()) {
            current = upgrade(user, password);
        }
        if (current != null) {
            cache.remember(user.address(), current, password);
        }
        return Optional.of(user.address());
    }

    @Override
    public Optional<ScramCredential> scramCredential(String login) {
        return parse(login).flatMap(a -> db.view().user(a.toString()))
                .filter(AccountsView.User::enabled)
                .map(AccountsView.User::scram);
    }

    @Override
    public Optional<MailAddress> mailboxOf(String login) throws StoreException {
        Optional<MailAddress> address = parse(login);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        return find(address.get()).filter(Row::enabled).map(Row::address);
    }

    private static Optional<MailAddress> parse(String login) {
        if (login == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(MailAddress.parse(login));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Optional<Row> find(MailAddress address) {
        return db.view().user(address.toString())
                .map(u -> new Row(address, u.passwordHash(), u.enabled(), u.scram() != null));
    }

    /**
     * Stores a current hash and SCRAM keys. Returns the hash the row now holds, or null if the write
     * failed or lost to a concurrent change (then nothing is cached and the next login tries again).
     */
    private String upgrade(Row user, char[] password) {
        boolean rehash = hasher.needsRehash(user.hash());
        String newHash = rehash ? hasher.hash(password) : user.hash();
        ScramCredential scram = deriveScram(password, random);
        try {
            int updated = db.write((c, changes) -> storeCredentials(c, changes, user.address(), user.hash(), newHash, scram));
            if (updated == 1 && rehash) {
                log.info("rehashed password of {} from {} to {}", user.address(), hasher.scheme(user.hash()),
                        hasher.scheme(newHash));
            }
            return updated == 1 ? newHash : null;
        } catch (StoreException e) {
            log.warn("could not store the upgraded credentials of {}; will retry at the next login",
                    user.address(), e);
            return null;
        }
    }

    /** New SCRAM-SHA-256 keys with a fresh random salt and {@link ScramCredential#DEFAULT_ITERATIONS}. */
    static ScramCredential deriveScram(char[] password, SecureRandom random) {
        byte[] salt = new byte[SCRAM_SALT_BYTES];
        random.nextBytes(salt);
        return ScramCredential.derive(password, salt, ScramCredential.DEFAULT_ITERATIONS);
    }

    /**
     * Sets hash and SCRAM keys of {@code address}, only if its hash is still {@code expectedHash}
     * (or unconditionally when that is null). Returns the number of rows changed.
     */
    static int storeCredentials(Connection c, Changes changes, MailAddress address, String expectedHash,
                                String newHash, ScramCredential scram) throws SQLException {
        changes.user(address.toString());
        String sql = "UPDATE users SET password_hash = ?, scram_salt = ?, scram_iterations = ?,"
                + " scram_stored_key = ?, scram_server_key = ? WHERE address = ?"
                + (expectedHash == null ? "" : " AND password_hash = ?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, newHash);
            ps.setBytes(2, scram.salt());
            ps.setInt(3, scram.iterations());
            ps.setBytes(4, scram.storedKey());
            ps.setBytes(5, scram.serverKey());
            ps.setString(6, address.toString());
            if (expectedHash != null) {
                ps.setString(7, expectedHash);
            }
            return ps.executeUpdate();
        }
    }
}
