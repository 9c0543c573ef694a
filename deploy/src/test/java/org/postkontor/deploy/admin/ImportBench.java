package org.postkontor.deploy.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.postkontor.admin.testing.CliProcess;
import org.postkontor.admin.testing.InProcessCli;
import org.postkontor.admin.testing.TestAppliance;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;

/**
 * Prints numbers, asserts nothing: Maildir import throughput (appliance stopped, CLI code
 * in-process on the real store; and appliance running, through the admin HTTP API), and the cost
 * of hashing and verifying passwords.
 *
 * <pre>
 * . scripts/jdk.sh && mvn -B -q -pl deploy -am package dependency:build-classpath -DskipTests \
 *     -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp deploy/target/test-classes:deploy/target/classes:$(cat /tmp/cp.txt) \
 *     org.postkontor.deploy.admin.ImportBench [messages] [octets]
 * </pre>
 */
public final class ImportBench {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        Path root = Files.createTempDirectory("import-bench-");
        Path maildir = root.resolve("Maildir");
        Files.createDirectories(maildir.resolve("cur"));
        Files.createDirectories(maildir.resolve("new"));
        String filler = "x".repeat(76) + "\r\n";
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder("From: bench@remote.test\r\nSubject: message " + i + "\r\n\r\n");
            while (b.length() < size) {
                b.append(filler);
            }
            Files.writeString(maildir.resolve("cur").resolve("17000" + String.format("%05d", i) + ".M" + i + "P1.bench:2,S"),
                    b);
        }
        System.out.printf(Locale.ROOT, "Maildir import of %d messages of ~%d octets%n", n, size);

        Path offline = root.resolve("offline");
        Files.createDirectories(offline);
        InProcessCli.run(offline, null, "domain", "add", "example.test");
        InProcessCli.run(offline, "Bench-Pass-123\n", "user", "add", "alice@example.test", "--password-stdin");
        long t0 = System.nanoTime();
        CliProcess.Result r = InProcessCli.run(offline, null, "import", "maildir", maildir.toString(), "--user",
                "alice@example.test", "--progress", "none");
        report("stopped (store opened by the CLI)", r, n, size, System.nanoTime() - t0);
        t0 = System.nanoTime();
        r = InProcessCli.run(offline, null, "import", "maildir", maildir.toString(), "--user", "alice@example.test",
                "--progress", "none");
        report("stopped, run again (all skipped)", r, n, size, System.nanoTime() - t0);

        Path online = root.resolve("online");
        Files.createDirectories(online);
        try (TestAppliance app = TestAppliance.start(online, false)) {
            String api = app.api().toString();
            InProcessCli.run(online, null, "--api", api, "domain", "add", "example.test");
            InProcessCli.run(online, "Bench-Pass-123\n", "--api", api, "user", "add", "alice@example.test",
                    "--password-stdin");
            t0 = System.nanoTime();
            r = InProcessCli.run(online, null, "--api", api, "import", "maildir", maildir.toString(), "--user",
                    "alice@example.test", "--progress", "none");
            report("running (admin HTTP API)", r, n, size, System.nanoTime() - t0);
        }

        System.out.println();
        System.out.println("Password hashing (single thread, mean of 20 after 5 warm-up)");
        Argon2idPasswordHasher h = new Argon2idPasswordHasher(Argon2Params.DEFAULT);
        char[] pw = "Correct-Horse-9".toCharArray();
        String stored = h.hash(pw);
        time("argon2id hash m=19456,t=2,p=1", () -> h.hash(pw));
        time("argon2id verify m=19456,t=2,p=1", () -> h.verify(stored, pw));
        String dovecot = "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$33+/xoXYQ2n8C+eyj5ZwlQ$"
                + "CxdvvwZnY8u7j6h9IyXdDxHVRHXXMO7WEzvWoka5ESU";
        time("argon2id verify m=65536,t=3,p=1 (Dovecot default)", () -> h.verify(dovecot, pw));
        String sha512 = "{SHA512-CRYPT}$6$c5tziZz7qaib8puq$BaX408gmsmxcvwxXww8r/zOXjfwindD9CXY0e1iehnaXktU1sXvKItd5IUZ9"
                + "jpL0pGNo7seNiSJgWJpppcIhH0";
        time("sha512-crypt verify (5000 rounds)", () -> h.verify(sha512, pw));
        time("bcrypt verify (cost 5)", () -> h.verify(
                "{BLF-CRYPT}$2y$05$GFPUVfR4pxnO7X9J/syJXeR.pty0dcTiQSa7r3AD/SikVIlzRxEjm", pw));
        time("ssha512 verify", () -> h.verify("{SSHA512}JQW0b8zP+0nz+0cO2l3erpiJ08V6VJ5CvkDnlWnkeZ9gIK0zaJH9FV7DU90tjvF6"
                + "nY3WtGTdkmqAx7HKGeO59Y0u7n4=", pw));
    }

    private static void report(String what, CliProcess.Result r, int n, int size, long nanos) {
        double s = nanos / 1e9;
        System.out.printf(Locale.ROOT, "  %-36s exit %d  %6.1f s  %7.1f msg/s  %6.2f MiB/s%n", what, r.exit(), s, n / s,
                (double) n * size / s / (1 << 20));
    }

    private static void time(String what, Runnable op) {
        for (int i = 0; i < 5; i++) {
            op.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            op.run();
        }
        System.out.printf(Locale.ROOT, "  %-50s %8.2f ms%n", what, (System.nanoTime() - t0) / 20 / 1e6);
    }
}
