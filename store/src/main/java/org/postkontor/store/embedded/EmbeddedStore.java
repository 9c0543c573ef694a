package org.postkontor.store.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import org.postkontor.store.Accounts;
import org.postkontor.store.Administration;
import org.postkontor.store.BackupSummary;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.Directory;
import org.postkontor.store.DkimKeys;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.Spool;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.WebUsers;
import org.postkontor.store.internal.accounts.AccountsAdministration;
import org.postkontor.store.internal.accounts.AccountsDatabase;
import org.postkontor.store.internal.accounts.JournaledAccountsDatabase;
import org.postkontor.store.internal.accounts.AccountsAuthentication;
import org.postkontor.store.internal.accounts.AccountsDirectory;
import org.postkontor.store.internal.accounts.JdbcWebUsers;
import org.postkontor.store.internal.accounts.Mailboxes;
import org.postkontor.store.internal.backup.Backups;
import org.postkontor.store.internal.backup.Restore;
import org.postkontor.store.internal.badmail.FileBadmailStore;
import org.postkontor.store.internal.dkim.FileDkimKeys;
import org.postkontor.store.internal.outbound.FileOutboundQueue;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.mail.MailStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: one process, files on local volumes. Mail is the spool (bodies with their
 * header records, and the removal log) with an in-memory index built from it at every start; the
 * accounts are an in-memory H2 database rebuilt from its journal at every start; badmail is its
 * files with an in-memory index; the outbound queue is its files and a state log under the spool;
 * DKIM keys are files under the index directory. Nothing durable is an H2 file, and nothing is repaired at start:
 * it is built from the record of truth.
 *
 * <p>{@link #open}: accounts first (deliveries check against them), then the spool, then badmail;
 * {@link #close()}: the reverse, after the deliveries in flight.
 */
public final class EmbeddedStore implements Store {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final JournaledAccountsDatabase accountsDb;
    private final MailStore mail;
    private final FileBadmailStore badmail;
    private final FileOutboundQueue outbound;
    private final FileDkimKeys dkim;
    private final AccountsDirectory directory;
    private final Accounts accounts;
    private final Administration admin;
    private final WebUsers webUsers;
    private final Backups backups;
    private boolean closed;

    private EmbeddedStore(JournaledAccountsDatabase accountsDb, MailStore mail, FileBadmailStore badmail,
                          FileOutboundQueue outbound, FileDkimKeys dkim, AccountsDirectory directory,
                          Accounts accounts, Administration admin, WebUsers webUsers) {
        this.accountsDb = accountsDb;
        this.mail = mail;
        this.badmail = badmail;
        this.outbound = outbound;
        this.dkim = dkim;
        this.directory = directory;
        this.accounts = accounts;
        this.admin = admin;
        this.webUsers = webUsers;
        this.backups = new Backups(accountsDb, mail, badmail, outbound, dkim);
    }

    /**
     * Opens the store on the config's directories (created if missing), builds its indexes and
     * returns it ready for concurrent use. One process at a time: a second open of the same spool
     * is refused.
     */
    public static EmbeddedStore open(StoreConfig config, PasswordHasher hasher, Clock clock, StoreMetrics metrics)
            throws StoreException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(hasher, "hasher");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        DurableFiles indexFiles;
        try {
            indexFiles = new DurableFiles(config.indexDir(), metrics);
        } catch (IOException e) {
            throw new StoreException("cannot create the index directory " + config.indexDir(), e);
        }
        long start = System.nanoTime();
        JournaledAccountsDatabase accountsDb = JournaledAccountsDatabase.open(indexFiles.root(), indexFiles);
        MailStore mail = null;
        FileOutboundQueue outbound = null;
        try {
            AccountsDirectory directory = new AccountsDirectory(accountsDb);
            mail = MailStore.open(config.spoolDir(), indexFiles.root(), config.freeDiskReserveBytes(),
                    directory::limits, clock, metrics);
            FileBadmailStore badmail = FileBadmailStore.open(config.badmailDir(), config.freeDiskReserveBytes(), clock,
                    metrics);
            outbound = FileOutboundQueue.open(config.spoolDir(), config.freeDiskReserveBytes(), clock, metrics);
            FileDkimKeys dkim = FileDkimKeys.open(indexFiles.root(), indexFiles);
            Administration admin = new AccountsAdministration(accountsDb, hasher, clock, mailboxes(mail), config);
            EmbeddedStore store = new EmbeddedStore(accountsDb, mail, badmail, outbound, dkim, directory,
                    AccountsAuthentication.withCache(accountsDb, hasher, clock, config, metrics), admin,
                    new JdbcWebUsers(accountsDb, hasher, clock));
            log.info("store open in {} ms", (System.nanoTime() - start) / 1_000_000);
            return store;
        } catch (StoreException | RuntimeException e) {
            if (outbound != null) {
                outbound.close();
            }
            if (mail != null) {
                mail.close();
            }
            accountsDb.close();
            throw e;
        }
    }

    /**
     * Makes the directories of a new store from a complete backup (see {@link Store#backup}); the
     * config's spool, index and badmail directories must not exist or be empty. Run it with no
     * store open on them; the next {@link #open} builds the indexes.
     */
    public static Restored restore(Path backup, StoreConfig target) throws StoreException {
        Restore.Result r = Restore.run(backup, target);
        return new Restored(r.manifest().started(), r.manifest().bodies(), r.manifest().badmail(), r.files(),
                r.bytes());
    }

    /**
     * What {@link #restore} made.
     *
     * @param backupStarted when the backup began (what it holds is as of then)
     * @param bodies        message files in it
     * @param badmail       badmail items in it
     * @param files         files copied in all
     * @param bytes         bytes copied
     */
    public record Restored(java.time.Instant backupStarted, int bodies, int badmail, int files, long bytes) {}

    private static Mailboxes mailboxes(MailStore mail) {
        return new Mailboxes() {
            @Override
            public Usage usage(String mailbox) {
                MailStore.Usage u = mail.usage(mailbox);
                return new Usage(u.messages(), u.octets());
            }

            @Override
            public void purge(MailAddress mailbox) throws StoreException {
                mail.purge(mailbox);
            }

            @Override
            public Totals totals() {
                MailStore.Totals t = mail.totals();
                return new Totals(t.messages(), t.entries(), t.octets());
            }
        };
    }

    /** The accounts' SQL, for moving them to another backend ({@code StoreMigration}); not for other use. */
    public AccountsDatabase accountsDatabase() {
        return accountsDb;
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public Spool spool() {
        return mail.spool();
    }

    @Override
    public MaildropStore maildrops() {
        return mail.maildrops();
    }

    @Override
    public Accounts accounts() {
        return accounts;
    }

    @Override
    public Administration admin() {
        return admin;
    }

    @Override
    public BadmailStore badmail() {
        return badmail;
    }

    @Override
    public WebUsers webUsers() {
        return webUsers;
    }

    @Override
    public OutboundQueue outbound() {
        return outbound;
    }

    @Override
    public DkimKeys dkimKeys() {
        return dkim;
    }

    /**
     * Waits until the body files of the removals so far are deleted: the store deletes them behind
     * its callers (a POP3 QUIT does not wait for them).
     */
    public void awaitBodyDeletions() {
        mail.awaitBodyDeletions();
    }

    @Override
    public BackupSummary backup(Path target, Path previous) throws StoreException {
        return backups.write(target, previous);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        outbound.close();
        mail.close();
        accountsDb.close();
        log.info("store closed");
    }
}
