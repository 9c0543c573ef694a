package org.postkontor.store.embedded;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * The process {@link BadmailCrashTest} kills: {@code <dataDir> <seed>} opens the real store and
 * puts badmail items with random originals (CR, LF, NUL, any byte) from 4 threads until killed,
 * removing about one in four. One stdout line per call that returned:
 * <pre>
 *   READY
 *   ACK id sha256 octets
 *   REMOVING id       (before the call)
 *   REMOVED id        (after it returned)
 * </pre>
 */
public final class BadmailCrashChild {

    static final int THREADS = 4;

    private BadmailCrashChild() {}

    public static void main(String[] args) throws Exception {
        StoreConfig under = StoreConfig.under(Path.of(args[0]));
        StoreConfig config = new StoreConfig(under.spoolDir(), under.indexDir(), under.badmailDir(), 0);
        Store store = EmbeddedStore.open(config, new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
        BadmailStore badmail = store.badmail();
        long seed = Long.parseLong(args[1]);
        PrintStream out = System.out;
        out.println("READY");
        out.flush();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(seed + t);
            Thread.ofPlatform().start(() -> {
                try {
                    for (int n = 0; ; n++) {
                        byte[] original = new byte[random.nextInt(64 * 1024)];
                        random.nextBytes(original);
                        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original));
                        BadmailItem item = badmail.put(
                                new BadmailEnvelope("s@remote.example", List.of("u" + n + "@example.test"),
                                        "192.0.2.1", "helo.example", null),
                                new BadmailReason("unknown_user", 550, "5.1.1", "no such user", null),
                                new ByteArrayInputStream(original));
                        synchronized (out) {
                            out.println("ACK " + item.id() + " " + sha + " " + item.octets());
                            out.flush();
                        }
                        if (random.nextInt(4) == 0) {
                            synchronized (out) {
                                out.println("REMOVING " + item.id());
                                out.flush();
                            }
                            badmail.remove(item.id());
                            synchronized (out) {
                                out.println("REMOVED " + item.id());
                                out.flush();
                            }
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                    System.exit(2);
                }
            });
        }
    }
}
