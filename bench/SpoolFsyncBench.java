import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How many deliveries a second the file system alone allows, with the spool's pattern and
 * without it: what the SMTP ingest could at most do if nothing but its fsyncs cost anything.
 *
 * <pre>
 * java bench/SpoolFsyncBench.java rename 3000 8 /path/on/the/spool/volume
 * java bench/SpoolFsyncBench.java inplace 3000 8 /path/on/the/spool/volume
 * </pre>
 *
 * {@code rename} is the spool's: write the file in {@code tmp/}, fsync it, rename it into
 * {@code msg/}, then wait for a directory fsync begun after the rename (one per group, as the
 * group commit does). {@code inplace} writes the file under its final name in {@code msg/} and
 * waits for the same group fsync of the directory: one journal commit fewer per delivery on
 * ext4. Each thread delivers files of {@code size} bytes (default 4096) until {@code n} are done.
 */
public class SpoolFsyncBench {

    private static final ReentrantLock leader = new ReentrantLock();
    private static final AtomicLong asked = new AtomicLong();
    private static final AtomicLong synced = new AtomicLong();

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || !(args[0].equals("rename") || args[0].equals("inplace"))) {
            System.err.println("usage: SpoolFsyncBench rename|inplace <files> <threads> <dir> [size]");
            System.exit(2);
        }
        boolean rename = args[0].equals("rename");
        int n = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        byte[] body = new byte[args.length > 4 ? Integer.parseInt(args[4]) : 4096];
        Path root = Files.createTempDirectory(Path.of(args[3]), "spool-fsync-");
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Path msg = Files.createDirectories(root.resolve("msg"));
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    String name = "m" + i;
                    Path file = (rename ? tmp : msg).resolve(name);
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(body));
                        ch.force(true);
                    }
                    if (rename) {
                        Files.move(file, msg.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                    }
                    groupSync(msg);
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s files=%d threads=%d size=%d: %.0f deliveries/s%n", args[0], n, threads, body.length,
                n / seconds);
        try (var files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Returns once a directory fsync begun after this call has finished; one caller at a time runs it. */
    private static void groupSync(Path dir) throws Exception {
        long mine = asked.incrementAndGet();
        while (synced.get() < mine) {
            if (leader.tryLock()) {
                try {
                    long upTo = asked.get();
                    if (synced.get() < mine) {
                        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                            ch.force(true);
                        }
                        synced.accumulateAndGet(upTo, Math::max);
                    }
                } finally {
                    leader.unlock();
                }
            } else {
                Thread.sleep(0, 50_000);
            }
        }
    }
}
