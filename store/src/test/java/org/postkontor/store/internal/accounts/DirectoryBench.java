package org.postkontor.store.internal.accounts;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.MailAddress;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.internal.badmail.FileBadmailStore;

/**
 * Benchmark (not a test) of the directory side of the store on a real H2 file: RCPT look-ups
 * (user, alias, unknown), SCRAM/mailbox look-ups, badmail puts and listing. Prints numbers.
 *
 * <pre>
 * mvn -q -pl store -am test-compile
 * java -cp "store/target/classes:store/target/test-classes:$(cat /tmp/store-cp.txt)" \
 *     org.postkontor.store.internal.accounts.DirectoryBench [dataDir]
 * </pre>
 */
public final class DirectoryBench {

    private static final int USERS = 10_000;
    private static final int ALIASES = 1_000;
    private static final int CALLS = 40_000;

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("postkontor-dirbench-");
        StoreConfig config = StoreConfig.under(dir);
        try (AccountsDatabase db = AccountsFixture.open(config.indexDir())) {
            PlainPasswordHasher hasher = new PlainPasswordHasher();
            AccountsAdministration admin = new AccountsAdministration(db, hasher, Clock.systemUTC(), AccountsFixture.NO_MAIL, config);
            admin.addDomain("example.test");
            admin.setPolicy("example.test", new RecipientPolicy.Reject());
            List<ImportedUser> users = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                users.add(new ImportedUser(MailAddress.parse("user" + i + "@example.test"), "{PLAIN}pw" + i, i + 1));
            }
            long t0 = System.nanoTime();
            admin.importUsers(users);
            System.out.printf("importUsers of %d users in one transaction: %.0f ms%n", USERS,
                    (System.nanoTime() - t0) / 1e6);
            t0 = System.nanoTime();
            for (int i = 0; i < ALIASES; i++) {
                admin.addAlias(MailAddress.parse("alias" + i + "@example.test"),
                        List.of(MailAddress.parse("user" + i + "@example.test"),
                                MailAddress.parse("user" + (i + 1) + "@example.test")));
            }
            System.out.printf("addAlias (one durable write each): %.0f per second%n",
                    ALIASES / ((System.nanoTime() - t0) / 1e9));

            AccountsDirectory directory = new AccountsDirectory(db);
            AccountsAuthentication accounts = new AccountsAuthentication(db, hasher, Clock.systemUTC());
            for (int round = 0; round < 2; round++) { // first round warms up the JIT
                boolean print = round == 1;
                for (int threads : new int[] {1, 8}) {
                    rate(print, "resolve(user)", threads, i -> directory.resolve(
                            MailAddress.parse("user" + (i % USERS) + "@example.test")));
                    rate(print, "resolve(alias, 2 targets)", threads, i -> directory.resolve(
                            MailAddress.parse("alias" + (i % ALIASES) + "@example.test")));
                    rate(print, "resolve(unknown, reject)", threads, i -> directory.resolve(
                            MailAddress.parse("nobody" + i + "@example.test")));
                    rate(print, "resolve(not hosted)", threads, i -> directory.resolve(
                            MailAddress.parse("x" + i + "@example.org")));
                    rate(print, "mailboxOf", threads, i -> accounts.mailboxOf("user" + (i % USERS) + "@example.test"));
                }
            }

            FileBadmailStore badmail = FileBadmailStore.open(config.badmailDir(), 0, Clock.systemUTC(),
                    StoreMetrics.NOOP);
            byte[] body = new byte[4096];
            java.util.Arrays.fill(body, (byte) 'x');
            for (int threads : new int[] {1, 8}) {
                int n = 400;
                long start = System.nanoTime();
                runParallel(threads, n, i -> badmail.put(
                        new BadmailEnvelope("s@remote.example", List.of("nobody" + i + "@example.test"), "192.0.2.1",
                                "helo", null),
                        new BadmailReason("unknown_user", 550, "5.1.1", "no such user", null),
                        new ByteArrayInputStream(body)));
                System.out.printf("badmail put 4 KB, %d thread(s): %.0f per second%n", threads,
                        n / ((System.nanoTime() - start) / 1e9));
            }
            long start = System.nanoTime();
            int pages = 200;
            for (int i = 0; i < pages; i++) {
                badmail.list(new BadmailQuery(null, null, "example.test", null, (i * 7) % 700, 50));
            }
            System.out.printf("badmail list, page of 50 of %d items, domain filter: %.2f ms per page%n",
                    badmail.totals().items(), (System.nanoTime() - start) / 1e6 / pages);
        }
    }

    @FunctionalInterface
    interface Call {
        Object run(int i) throws Exception;
    }

    private static void rate(boolean print, String what, int threads, Call call) throws Exception {
        long start = System.nanoTime();
        runParallel(threads, CALLS, call);
        double perSecond = CALLS / ((System.nanoTime() - start) / 1e9);
        if (print) {
            System.out.printf("%-28s %d thread(s): %,9.0f per second (%.1f us each)%n", what, threads, perSecond,
                    1e6 / perSecond * threads);
        }
    }

    private static void runParallel(int threads, int calls, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            AtomicLong next = new AtomicLong();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < calls) {
                        call.run((int) i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private DirectoryBench() {}
}
