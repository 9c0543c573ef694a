package org.postkontor.store.embedded;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * The process {@link AdminCrashTest} kills: {@code <dataDir> <seed> <first op number>} opens the
 * real store and makes admin changes, one after the other, until killed. Each change is printed
 * before the call ({@code BEGIN n <op> <args>}) and after it returned ({@code ACK n}); a change the
 * store refused (say, a user that exists already) prints {@code REFUSED n}. Ops:
 * <pre>
 *   domain D | user U | passwd U P | quota U BYTES | disable U | enable U | alias A U1,U2 | unalias A | remove U
 * </pre>
 * Users live in two domains; passwords are {@code pw<n>}, never set while the user is disabled.
 * With a fourth argument {@code warm-up} it stops by itself after 200 changes (the test records
 * the classes it loaded then, for a shorter start of every child it kills).
 */
public final class AdminCrashChild {

    static final List<String> DOMAINS = List.of("a.example", "b.example");

    private AdminCrashChild() {}

    public static void main(String[] args) throws Exception {
        StoreConfig under = StoreConfig.under(Path.of(args[0]));
        StoreConfig config = new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0);
        Store store = EmbeddedStore.open(config, new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
        Administration admin = store.admin();
        Random random = new Random(Long.parseLong(args[1]));
        PrintStream out = System.out;
        out.println("READY");
        out.flush();
        long first = Long.parseLong(args[2]);
        long last = args.length > 3 && args[3].equals("warm-up") ? first + 200 : Long.MAX_VALUE;
        for (long n = first; n < last; n++) {
            String op = next(random, n);
            if (op.startsWith("passwd ")) {
                // a password change is seen through a login, which a disabled user cannot do: the
                // test could not tell whether a cut-off change to a disabled user's password landed
                MailAddress u = MailAddress.parse(op.split(" ")[1]);
                if (admin.user(u).map(a -> !a.enabled()).orElse(false)) {
                    op = "enable " + u;
                }
            }
            out.println("BEGIN " + n + " " + op);
            out.flush();
            boolean done = apply(admin, op);
            out.println((done ? "ACK " : "REFUSED ") + n);
            out.flush();
        }
        store.close();
    }

    private static String next(Random r, long n) {
        String user = "u" + r.nextInt(12) + "@" + DOMAINS.get(r.nextInt(2));
        return switch (r.nextInt(10)) {
            case 0 -> "domain " + DOMAINS.get(r.nextInt(2));
            case 1, 2 -> "user " + user;
            case 3 -> "passwd " + user + " pw" + n;
            case 4 -> "quota " + user + " " + r.nextInt(1_000_000);
            case 5 -> "disable " + user;
            case 6 -> "enable " + user;
            case 7 -> "alias al" + r.nextInt(4) + "@" + DOMAINS.get(0) + " " + user + ",u" + r.nextInt(12) + "@"
                    + DOMAINS.get(r.nextInt(2));
            case 8 -> "unalias al" + r.nextInt(4) + "@" + DOMAINS.get(0);
            default -> "remove " + user;
        };
    }

    /** Applies one op; false if the store refused it (not found, conflict): then nothing changed. */
    static boolean apply(Administration admin, String op) throws StoreException {
        String[] f = op.split(" ");
        try {
            switch (f[0]) {
                case "domain" -> admin.addDomain(f[1]);
                case "user" -> admin.addUser(MailAddress.parse(f[1]), "initial".toCharArray(), Administration.Quota.NONE);
                case "passwd" -> admin.setPassword(MailAddress.parse(f[1]), f[2].toCharArray());
                case "quota" -> admin.setQuota(MailAddress.parse(f[1]), new Administration.Quota(Long.parseLong(f[2]), 0));
                case "disable" -> admin.setEnabled(MailAddress.parse(f[1]), false);
                case "enable" -> admin.setEnabled(MailAddress.parse(f[1]), true);
                case "alias" -> admin.addAlias(MailAddress.parse(f[1]),
                        java.util.Arrays.stream(f[2].split(",")).map(MailAddress::parse).toList());
                case "unalias" -> admin.removeAlias(MailAddress.parse(f[1]));
                case "remove" -> admin.removeUser(MailAddress.parse(f[1]), false);
                default -> throw new IllegalArgumentException(op);
            }
            return true;
        } catch (org.postkontor.store.NotFoundException | org.postkontor.store.ConflictException
                 | IllegalArgumentException e) {
            return false;
        }
    }
}
