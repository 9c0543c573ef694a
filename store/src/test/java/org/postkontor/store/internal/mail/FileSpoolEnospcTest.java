package org.postkontor.store.internal.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.testing.Users;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * A real ENOSPC on the spool with no free-disk reserve is {@link InsufficientStorageException}
 * (SMTP 452 4.3.1), not a generic store failure (451): the partial file is deleted before the
 * store looks at the free space, so only the error itself tells. Found by the appliance's
 * disk-full test. The spool is a 2 MiB tmpfs; needs root, skips otherwise.
 */
class FileSpoolEnospcTest {

    @TempDir
    Path dir;

    @Test
    void enospcWithNoReserveIsInsufficientStorageAndLeavesNothing() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", spool.toString()) == 0,
                "needs root to mount a 2 MiB tmpfs");
        try {
            StoreConfig c = new StoreConfig(spool, dir.resolve("index"), dir.resolve("badmail"), 0);
            try (Store s = EmbeddedStore.open(c, new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP)) {
                MailAddress alice = Users.add(s, "alice@example.test");
                byte[] big = new byte[3 * 1024 * 1024];
                java.util.Arrays.fill(big, (byte) 'x');
                assertThrows(InsufficientStorageException.class,
                        () -> s.spool().deliver(List.of(alice), new ByteArrayInputStream(big)));
                try (Stream<Path> tmp = Files.list(spool.resolve("tmp"))) {
                    assertEquals(0, tmp.count(), "the partial file is gone");
                }
                s.spool().deliver(List.of(alice),
                        new ByteArrayInputStream("Subject: small\r\n\r\nfits\r\n".getBytes(StandardCharsets.US_ASCII)));
                try (Maildrop m = s.maildrops().open(alice)) {
                    assertEquals(1, m.listing().size(), "only the message that fitted is listed");
                }
            }
        } finally {
            run("umount", spool.toString());
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return -1;
        }
        p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
