package org.postkontor.store.internal;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreStats;

/**
 * {@link Administration} on the H2 index. Needs the store's directories for {@link #stats()}
 * (free bytes of each volume, index size).
 */
public final class JdbcAdministration implements Administration {

    private final Database db;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final MailboxPurger purger;
    private final StoreConfig dirs;

    public JdbcAdministration(Database db, PasswordHasher hasher, Clock clock, MailboxPurger purger,
                              StoreConfig dirs) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.purger = Objects.requireNonNull(purger, "purger");
        this.dirs = Objects.requireNonNull(dirs, "dirs");
    }

    @Override
    public void addDomain(String domain) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public List<DomainInfo> domains() throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void removeDomain(String domain, boolean force) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void setPolicy(String domain, RecipientPolicy policy) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void addUser(MailAddress user, char[] password, Quota quota) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void importUsers(List<ImportedUser> users) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void setPassword(MailAddress user, char[] password) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void setEnabled(MailAddress user, boolean enabled) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void setQuota(MailAddress user, Quota quota) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void removeUser(MailAddress user, boolean deleteMail) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public List<Account> users(Optional<String> domain) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Optional<Account> user(MailAddress user) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void addAlias(MailAddress alias, List<MailAddress> targets) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public List<Alias> aliases(Optional<String> domain) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void removeAlias(MailAddress alias) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public StoreStats stats() throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }
}
