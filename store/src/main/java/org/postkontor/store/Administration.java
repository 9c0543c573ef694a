package org.postkontor.store;

import java.util.List;
import java.util.Optional;

/**
 * Domains, users, aliases and quotas, for the admin CLI and HTTP API. Each call is one durable
 * transaction: it returns after the change is committed and synced. Addresses and domains are
 * normalized as {@link MailAddress} does. Thread-safe.
 */
public interface Administration {

    // Domains
    void addDomain(String domain) throws StoreException;

    List<DomainInfo> domains() throws StoreException;

    /** Refused with {@link ConflictException} while users or aliases remain, unless {@code force}. */
    void removeDomain(String domain, boolean force) throws StoreException;

    void setPolicy(String domain, RecipientPolicy policy) throws StoreException;

    // Users
    /** Password hashed with the current scheme; SCRAM keys stored beside it. */
    void addUser(MailAddress user, char[] password, Quota quota) throws StoreException;

    /**
     * Adds users with hashes as they are (a Dovecot passwd-file): all or none. A user that exists
     * already makes the whole call fail with {@link ConflictException} naming it.
     */
    void importUsers(List<ImportedUser> users) throws StoreException;

    void setPassword(MailAddress user, char[] password) throws StoreException;

    void setEnabled(MailAddress user, boolean enabled) throws StoreException;

    void setQuota(MailAddress user, Quota quota) throws StoreException;

    /** {@code deleteMail} false keeps the messages on disk (served again if the user is re-added). */
    void removeUser(MailAddress user, boolean deleteMail) throws StoreException;

    /** All users, or those of one domain; with message count and size. */
    List<Account> users(Optional<String> domain) throws StoreException;

    Optional<Account> user(MailAddress user) throws StoreException;

    // Aliases
    /** Targets must be existing local users. Replaces an existing alias of that address. */
    void addAlias(MailAddress alias, List<MailAddress> targets) throws StoreException;

    List<Alias> aliases(Optional<String> domain) throws StoreException;

    void removeAlias(MailAddress alias) throws StoreException;

    /** Totals for {@code status}. */
    StoreStats stats() throws StoreException;

    record DomainInfo(String name, RecipientPolicy policy, int users, int aliases) {}

    /** 0 means no limit. */
    record Quota(long bytes, long messages) {
        public static final Quota NONE = new Quota(0, 0);

        public Quota {
            if (bytes < 0 || messages < 0) {
                throw new IllegalArgumentException("quota must be 0 (no limit) or positive");
            }
        }
    }

    record ImportedUser(MailAddress address, String storedHash, int sourceLine) {}

    record Alias(MailAddress address, List<MailAddress> targets) {
        public Alias {
            targets = List.copyOf(targets);
        }
    }
}
