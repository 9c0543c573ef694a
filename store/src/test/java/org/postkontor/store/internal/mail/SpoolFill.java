package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;

/**
 * A benchmark fixture, not a test: makes a data directory holding {@code users} users
 * ({@code user<i>@example.test}, password {@code bench-password-1}) and {@code messages} messages
 * of {@code size} bytes spread over them, written straight into the spool in its own format (a body
 * file with its header record per message, as {@link FileSpool} writes them, 1,000 per hour
 * directory, arrivals in the past) and synced once at the end, so that a spool of a million
 * messages takes minutes, not hours. The appliance started on it builds its index from these
 * files as from any spool.
 *
 * <pre>
 *   java -cp ... org.postkontor.store.internal.mail.SpoolFill DATA_DIR MESSAGES [USERS=1000] [SIZE=4096]
 * </pre>
 */
public final class SpoolFill {

    static final String PASSWORD = "bench-password-1";

    private SpoolFill() {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int messages = Integer.parseInt(args[1]);
        int users = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 4096;
        StoreConfig under = StoreConfig.under(data);
        StoreConfig config = new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0);
        long t0 = System.nanoTime();
        Argon2idPasswordHasher hasher = new Argon2idPasswordHasher(Argon2Params.DEFAULT);
        String hash = hasher.hash(PASSWORD.toCharArray());
        try (Store store = EmbeddedStore.open(config, hasher, Clock.systemUTC(), StoreMetrics.NOOP)) {
            store.admin().addDomain("example.test");
            List<ImportedUser> list = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                list.add(new ImportedUser(MailAddress.parse("user" + i + "@example.test"), hash, i + 1));
            }
            store.admin().importUsers(list);
        }
        byte[] body = body(size);
        Instant start = Instant.now().minus(Duration.ofHours(messages / 1000 + 2));
        String node = "fill" + Long.toString(System.nanoTime() % 1_000_000, 36);
        Path msg = config.spoolDir().resolve(SpoolLayout.MSG);
        Path dir = null;
        for (int n = 0; n < messages; n++) {
            Instant arrived = start.plus(Duration.ofHours(n / 1000)).plusMillis(n % 1000);
            if (n % 1000 == 0) {
                dir = Files.createDirectories(msg.resolve(SpoolLayout.hourDir(arrived)));
            }
            String queueId = String.format("%011x", arrived.toEpochMilli()) + "." + node + "."
                    + Long.toString(n, 36);
            String mailbox = "user" + (n % users) + "@example.test";
            byte[] record = SpoolRecord.encode(queueId, arrived, List.of(new SpoolRecord.Entry(mailbox, queueId)));
            try (OutputStream out = Files.newOutputStream(dir.resolve(queueId))) {
                out.write(record);
                out.write(body);
            }
        }
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        System.out.printf("filled %s: %d users, %d messages of %d bytes in %.1f s%n", data, users, messages, size,
                (System.nanoTime() - t0) / 1e9);
    }

    private static byte[] body(int size) throws IOException {
        String head = "From: <fill@sender.test>\r\nSubject: spool fill\r\n\r\n";
        byte[] b = new byte[Math.max(size, head.length() + 2)];
        Arrays.fill(b, (byte) 'x');
        byte[] h = head.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(h, 0, b, 0, h.length);
        for (int i = h.length + 70; i < b.length - 4; i += 72) {
            b[i] = '\r';
            b[i + 1] = '\n';
        }
        b[b.length - 2] = '\r';
        b[b.length - 1] = '\n';
        return b;
    }
}
