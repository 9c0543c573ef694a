package org.postkontor.store.internal.accounts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreStats;

/**
 * {@link Administration} on the accounts database: domains ({@link DomainAdmin}), users
 * ({@link UserAdmin}) and aliases ({@link AliasAdmin}), each call one durable write or one read,
 * and totals for status. Errors are typed: {@link NotFoundException} for an unknown domain, user
 * or alias; {@link ConflictException} for a duplicate, an address that is both user and alias, a
 * domain that still has users or aliases, or removing a domain's catch-all user;
 * {@link IllegalArgumentException} for malformed input (domain name, empty password, a catch-all
 * that is not a plain local part).
 */
public final class AccountsAdministration implements Administration {

    private final DomainAdmin domains;
    private final UserAdmin users;
    private final AliasAdmin aliases;
    private final Mailboxes mailboxes;
    private final StoreConfig dirs;

    public AccountsAdministration(AccountsDatabase db, PasswordHasher hasher, Clock clock, Mailboxes mailboxes,
                                  StoreConfig dirs) {
        this.domains = new DomainAdmin(db, clock);
        this.users = new UserAdmin(db, hasher, clock, mailboxes);
        this.aliases = new AliasAdmin(db);
        this.mailboxes = mailboxes;
        this.dirs = dirs;
    }

    @Override
    public void addDomain(String domain) throws StoreException {
        domains.add(domain);
    }

    @Override
    public List<DomainInfo> domains() throws StoreException {
        return domains.list();
    }

    @Override
    public void removeDomain(String domain, boolean force) throws StoreException {
        domains.remove(domain, force);
    }

    @Override
    public void setPolicy(String domain, RecipientPolicy policy) throws StoreException {
        domains.setPolicy(domain, policy);
    }

    @Override
    public void addUser(MailAddress user, char[] password, Quota quota) throws StoreException {
        users.add(user, password, quota);
    }

    @Override
    public void importUsers(List<ImportedUser> imported) throws StoreException {
        users.importAll(imported);
    }

    @Override
    public void setPassword(MailAddress user, char[] password) throws StoreException {
        users.setPassword(user, password);
    }

    @Override
    public void setEnabled(MailAddress user, boolean enabled) throws StoreException {
        users.setEnabled(user, enabled);
    }

    @Override
    public void setQuota(MailAddress user, Quota quota) throws StoreException {
        users.setQuota(user, quota);
    }

    @Override
    public void removeUser(MailAddress user, boolean deleteMail) throws StoreException {
        users.remove(user, deleteMail);
    }

    @Override
    public List<Account> users(Optional<String> domain) throws StoreException {
        return users.list(domain);
    }

    @Override
    public Optional<Account> user(MailAddress user) throws StoreException {
        return users.get(user);
    }

    @Override
    public void addAlias(MailAddress alias, List<MailAddress> targets) throws StoreException {
        aliases.add(alias, targets);
    }

    @Override
    public List<Alias> aliases(Optional<String> domain) throws StoreException {
        return aliases.list(domain);
    }

    @Override
    public void removeAlias(MailAddress alias) throws StoreException {
        aliases.remove(alias);
    }

    @Override
    public StoreStats stats() throws StoreException {
        Mailboxes.Totals t = mailboxes.totals();
        try {
            return new StoreStats(t.messages(), t.entries(), t.octets(), usableBytes(dirs.spoolDir()),
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
                    return 0; // vanished while walking (a file being replaced)
                }
            }).sum();
        }
    }
}
