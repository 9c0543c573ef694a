package org.postkontor.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.ChildJvm;
import org.postkontor.store.testing.PlainTestHasher;
import org.slf4j.LoggerFactory;

/**
 * Real processes, real SIGKILL, for admin changes: a child JVM ({@link AdminCrashChild}) makes a
 * stream of admin changes (domains, users, passwords, quotas, enable/disable, aliases, removals);
 * this test kills it (only that PID) at a random moment, {@value #KILLS} times in all, in
 * {@value #LANES} lanes that run side by side, each on its own data directory. After each kill the
 * store must open, and hold exactly the changes the child saw acknowledged, plus the one in flight
 * or not. The expected state is a reference store in this process that is never killed: every
 * acknowledged (or refused) change is applied to it in order; the change in flight is applied only
 * if the reopened store shows it. Compared: domains with policy and counts, users with enabled
 * flag and quota, aliases with their targets in order, and a login with each user's last password.
 */
@Tag("crash")
class AdminCrashTest {

    static final int KILLS = 200;
    static final int LANES = 2;

    @TempDir
    Path dir;

    @Test
    void aKillDuringAdminWritesLosesNoAcknowledgedChangeAndNeverStopsAStart() throws Exception {
        ExecutorService lanes = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                int l = lane;
                results.add(lanes.submit(() -> runLane(dir.resolve("lane" + l), KILLS / LANES, new Random())));
            }
            int acked = 0;
            int inFlightDone = 0;
            int inFlightNot = 0;
            for (Future<int[]> f : results) {
                int[] r = f.get(20, TimeUnit.MINUTES);
                acked += r[0];
                inFlightDone += r[1];
                inFlightNot += r[2];
            }
            LoggerFactory.getLogger(AdminCrashTest.class).info("admin crash test: {} kills, {} acknowledged changes"
                    + " checked, the change in flight at the kill: {} done, {} not", KILLS, acked, inFlightDone,
                    inFlightNot);
            assertTrue(acked > KILLS, "the children made changes: " + acked);
        } finally {
            lanes.shutdownNow();
        }
    }

    /** @return acknowledged changes, in-flight changes found done, in-flight changes found not done */
    private int[] runLane(Path lane, int kills, Random random) throws Exception {
        Path data = lane.resolve("data");
        Path log = lane.resolve("child.log");
        Files.createDirectories(lane);
        int acked = 0;
        int done = 0;
        int not = 0;
        try (Store reference = open(lane.resolve("reference"))) {
            Map<String, String> passwords = new HashMap<>();
            List<String> history = new ArrayList<>();
            long nextOp = 0;
            for (int kill = 0; kill < kills; kill++) {
                List<String> lines = runAndKill(data, log, random, nextOp);
                for (String l : lines) {
                    history.add(kill + ": " + l);
                }
                String files = journalFiles(data);
                String pending = null;
                for (String l : lines) {
                    String[] f = l.split(" ", 3);
                    switch (f[0]) {
                        case "BEGIN" -> {
                            pending = f[2];
                            nextOp = Long.parseLong(f[1]) + 1;
                        }
                        case "ACK", "REFUSED" -> {
                            boolean refAccepted = applyToReference(reference, passwords, pending);
                            assertEquals(f[0].equals("ACK"), refAccepted, "the reference agrees on " + pending);
                            acked += f[0].equals("ACK") ? 1 : 0;
                            pending = null;
                        }
                        default -> { }
                    }
                }
                try (Store killed = open(data)) {
                    String actual = state(killed);
                    if (!actual.equals(state(reference))) {
                        if (pending != null) {
                            applyToReference(reference, passwords, pending);
                            history.add(kill + ": (in flight, found done) " + pending);
                        }
                        if (!state(reference).equals(actual)) {
                            fail("after kill " + kill + " the store differs from the acknowledged changes (with or"
                                    + " without " + pending + "):\n" + actual + "\nexpected:\n" + state(reference)
                                    + "\nhistory:\n" + String.join("\n", history.subList(Math.max(0,
                                    history.size() - 400), history.size())) + "\nfiles before the open:\n" + files);
                        }
                        done++;
                    } else if (pending != null && pending.startsWith("passwd ") && loginWorks(killed, pending)) {
                        applyToReference(reference, passwords, pending); // a password is not in the state
                        done++;
                    } else if (pending != null) {
                        not++;
                    }
                    for (Map.Entry<String, String> p : passwords.entrySet()) {
                        boolean enabled = reference.admin().user(MailAddress.parse(p.getKey())).orElseThrow().enabled();
                        assertEquals(enabled ? Optional.of(MailAddress.parse(p.getKey())) : Optional.empty(),
                                killed.accounts().authenticate(p.getKey(), p.getValue().toCharArray()),
                                "login of " + p.getKey() + " with its last password, after kill " + kill);
                    }
                }
            }
        }
        return new int[] {acked, done, not};
    }

    /** The accounts snapshot and journal as the kill left them, for a failure message. */
    private static String journalFiles(Path data) throws IOException {
        StringBuilder b = new StringBuilder();
        Path index = StoreConfig.under(data).indexDir();
        for (String name : List.of("accounts.snapshot", "accounts.log")) {
            Path f = index.resolve(name);
            b.append("== ").append(name).append('\n').append(Files.exists(f) ? Files.readString(f) : "(none)\n");
        }
        return b.toString();
    }

    /** Does {@code passwd U P}'s new password log U in (U enabled), or was it an unknown user? */
    private static boolean loginWorks(Store s, String passwd) throws Exception {
        String[] f = passwd.split(" ");
        Optional<Account> user = s.admin().user(MailAddress.parse(f[1]));
        if (user.isEmpty() || !user.get().enabled()) {
            return false; // refused, or not visible through a login: compared by the next changes
        }
        return s.accounts().authenticate(f[1], f[2].toCharArray()).isPresent();
    }

    private static boolean applyToReference(Store reference, Map<String, String> passwords, String op)
            throws Exception {
        boolean accepted = AdminCrashChild.apply(reference.admin(), op);
        if (accepted) {
            String[] f = op.split(" ");
            switch (f[0]) {
                case "user" -> passwords.put(f[1], "initial");
                case "passwd" -> passwords.put(f[1], f[2]);
                case "remove" -> passwords.remove(f[1]);
                default -> { }
            }
        }
        return accepted;
    }

    private static Store open(Path data) throws Exception {
        StoreConfig under = StoreConfig.under(data);
        return EmbeddedStore.open(new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0)
                .withAuthCache(java.time.Duration.ZERO, 1), new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
    }

    /** Every domain, user and alias as the admin sees them, one line each. */
    private static String state(Store s) throws Exception {
        StringBuilder b = new StringBuilder();
        for (Administration.DomainInfo d : s.admin().domains()) {
            b.append(d).append('\n');
        }
        for (Account a : s.admin().users(Optional.empty())) {
            b.append(a.address()).append(" enabled=").append(a.enabled()).append(" quota=").append(a.quotaBytes())
                    .append('\n');
        }
        for (Administration.Alias a : s.admin().aliases(Optional.empty())) {
            b.append(a).append('\n');
        }
        return b.toString();
    }

    private List<String> runAndKill(Path data, Path log, Random random, long firstOp) throws Exception {
        try (ChildJvm child = ChildJvm.start(AdminCrashChild.class, log, data.toString(),
                Long.toString(random.nextLong()), Long.toString(firstOp))) {
            List<String> seen = new ArrayList<>(child.await(l -> l.startsWith("ACK ") || l.startsWith("REFUSED "),
                    Duration.ofSeconds(90)));
            Thread.sleep(random.nextInt(200));
            seen.addAll(child.kill());
            return seen;
        }
    }
}
