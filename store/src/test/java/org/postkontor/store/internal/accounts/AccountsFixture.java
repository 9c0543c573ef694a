package org.postkontor.store.internal.accounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.StoreMetrics;

/**
 * Real accounts (in-memory H2 with its journal under a temp dir), plus the classes of this package
 * wired on them, with a fake mail half that records purges and reports usage set by the test.
 */
final class AccountsFixture implements AutoCloseable {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    final StoreConfig config;
    final AccountsDatabase db;
    final PlainPasswordHasher hasher = new PlainPasswordHasher();
    final List<MailAddress> purged = new ArrayList<>();
    final Map<String, Mailboxes.Usage> usage = new ConcurrentHashMap<>();
    final AccountsAdministration admin;
    final AccountsDirectory directory;
    final AccountsAuthentication accounts;

    AccountsFixture(Path dir) throws StoreException {
        config = StoreConfig.under(dir);
        db = open(config.indexDir());
        admin = new AccountsAdministration(db, hasher, CLOCK, new Mailboxes() {
            @Override
            public Usage usage(String mailbox) {
                return usage.getOrDefault(mailbox, new Usage(0, 0));
            }

            @Override
            public void purge(MailAddress mailbox) {
                purged.add(mailbox);
            }

            @Override
            public Totals totals() {
                long n = 0;
                long octets = 0;
                for (Usage u : usage.values()) {
                    n += u.messages();
                    octets += u.octets();
                }
                return new Totals(n, n, octets);
            }
        }, config);
        directory = new AccountsDirectory(db);
        accounts = new AccountsAuthentication(db, hasher, CLOCK);
    }

    static JournaledAccountsDatabase open(Path indexDir) throws StoreException {
        try {
            return JournaledAccountsDatabase.open(indexDir, new DurableFiles(indexDir, StoreMetrics.NOOP));
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create " + indexDir, e);
        }
    }

    /**
     * Copies the index directory's files into a new directory under {@code scratch} while the
     * accounts are open: what a kill would leave.
     */
    static Path crashCopy(Path index, Path scratch) throws IOException {
        Path copy = Files.createDirectories(scratch.resolve("copy-" + System.nanoTime()).resolve("index"));
        try (Stream<Path> s = Files.list(index)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.copy(p, copy.resolve(p.getFileName()));
            }
        }
        return copy;
    }

    /** A mail half with no mail. */
    static final Mailboxes NO_MAIL = new Mailboxes() {
        @Override
        public Usage usage(String mailbox) {
            return new Usage(0, 0);
        }

        @Override
        public void purge(MailAddress mailbox) {
        }

        @Override
        public Totals totals() {
            return new Totals(0, 0, 0);
        }
    };

    static MailAddress a(String address) {
        return MailAddress.parse(address);
    }

    /** The mail half reports one more entry of {@code octets} in {@code mailbox}. */
    void entry(String mailbox, long octets) {
        usage.merge(mailbox, new Mailboxes.Usage(1, octets),
                (x, y) -> new Mailboxes.Usage(x.messages() + y.messages(), x.octets() + y.octets()));
    }

    @Override
    public void close() {
        db.close();
    }
}
