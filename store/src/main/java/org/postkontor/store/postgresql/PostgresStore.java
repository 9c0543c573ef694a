package org.postkontor.store.postgresql;

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
import org.postkontor.store.MaildropStore;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.Spool;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.WebUsers;
import org.postkontor.store.internal.accounts.AccountsAdministration;
import org.postkontor.store.internal.accounts.AccountsAuthentication;
import org.postkontor.store.internal.accounts.AccountsDirectory;
import org.postkontor.store.internal.accounts.JdbcWebUsers;
import org.postkontor.store.internal.accounts.PostgresAccountsDatabase;
import org.postkontor.store.internal.badmail.PgBadmailStore;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.outbound.PgOutboundQueue;
import org.postkontor.store.internal.postgres.Leadership;
import org.postkontor.store.internal.postgres.PgDatabase;
import org.postkontor.store.internal.postgres.PgDkimKeys;
import org.postkontor.store.internal.postgres.PgMail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The postgresql backend: accounts, mail (bodies included), badmail, the outbound queue and the
 * DKIM keys in a PostgreSQL database that any number of nodes share. The database is their record
 * of truth; a node keeps only what it can rebuild (the accounts view) and messages it is reading
 * in before it stores them (under {@link StoreConfig#indexDir()}'s {@code tmp/}). One node at a
 * time {@link #leads()} and does the once-per-cluster work.
 *
 * <p>While the database cannot be reached, deliveries and maildrop opens fail with a
 * {@link StoreException} (451 4.3.0, {@code -ERR [SYS/TEMP]}) after at most a few seconds, and
 * nothing acknowledged is lost; the pool reconnects by itself when it returns.
 */
public final class PostgresStore implements Store {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final PgDatabase db;
    private final PostgresAccountsDatabase accountsDb;
    private final PgMail mail;
    private final PgBadmailStore badmail;
    private final PgOutboundQueue outbound;
    private final PgDkimKeys dkim;
    private final Leadership leadership;
    private final AccountsDirectory directory;
    private final Accounts accounts;
    private final Administration admin;
    private final WebUsers webUsers;
    private boolean closed;

    private PostgresStore(PgDatabase db, PostgresAccountsDatabase accountsDb, PgMail mail, PgBadmailStore badmail,
                          PgOutboundQueue outbound, PgDkimKeys dkim, AccountsDirectory directory, Accounts accounts,
                          Administration admin, WebUsers webUsers) {
        this.db = db;
        this.accountsDb = accountsDb;
        this.mail = mail;
        this.badmail = badmail;
        this.outbound = outbound;
        this.dkim = dkim;
        this.directory = directory;
        this.accounts = accounts;
        this.admin = admin;
        this.webUsers = webUsers;
        this.leadership = new Leadership(db);
    }

    /**
     * Connects to the database (creating or migrating its tables), reads the accounts, and opens the
     * node's own directories under {@code local}.
     */
    public static PostgresStore open(PostgresConfig database, StoreConfig local, PasswordHasher hasher, Clock clock,
                                     StoreMetrics metrics) throws StoreException {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(hasher, "hasher");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        long start = System.nanoTime();
        DurableFiles indexFiles;
        try {
            indexFiles = new DurableFiles(local.indexDir(), metrics);
        } catch (IOException e) {
            throw new StoreException("cannot create the index directory " + local.indexDir(), e);
        }
        PgDatabase db = PgDatabase.open(database);
        PostgresAccountsDatabase accountsDb = null;
        PgMail mail = null;
        try {
            accountsDb = PostgresAccountsDatabase.open(db);
            AccountsDirectory directory = new AccountsDirectory(accountsDb);
            mail = new PgMail(db, directory::limits, indexFiles.tmpDir(), clock, metrics);
            PgBadmailStore badmail = new PgBadmailStore(db, indexFiles.tmpDir(), clock);
            PgOutboundQueue outbound = new PgOutboundQueue(db, indexFiles.tmpDir(), clock);
            PgDkimKeys dkim = new PgDkimKeys(db, clock);
            Administration admin = new AccountsAdministration(accountsDb, hasher, clock, mail, local);
            PostgresStore store = new PostgresStore(db, accountsDb, mail, badmail, outbound, dkim, directory,
                    AccountsAuthentication.withCache(accountsDb, hasher, clock, local, metrics), admin,
                    new JdbcWebUsers(accountsDb, hasher, clock));
            log.info("store open on {} in {} ms", database, (System.nanoTime() - start) / 1_000_000);
            return store;
        } catch (StoreException | RuntimeException e) {
            if (mail != null) {
                mail.close();
            }
            if (accountsDb != null) {
                accountsDb.close();
            }
            db.close();
            throw e;
        }
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public Spool spool() {
        return mail;
    }

    @Override
    public MaildropStore maildrops() {
        return mail;
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

    // what StoreMigration writes through
    PgMail mail() {
        return mail;
    }

    PgBadmailStore badmailStore() {
        return badmail;
    }

    PgOutboundQueue outboundQueue() {
        return outbound;
    }

    PostgresAccountsDatabase accountsDatabase() {
        return accountsDb;
    }

    @Override
    public boolean leads() {
        return leadership.leads();
    }

    /** Not here: the database is backed up with PostgreSQL's own tools (see DEPLOY.md). */
    @Override
    public BackupSummary backup(Path target, Path previous) throws StoreException {
        throw new StoreException("a postgresql store is backed up with PostgreSQL's own tools"
                + " (pg_dump or pg_basebackup), not by Postkontor");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        leadership.close();
        mail.close();
        accountsDb.close();
        db.close();
        log.info("store closed");
    }
}
