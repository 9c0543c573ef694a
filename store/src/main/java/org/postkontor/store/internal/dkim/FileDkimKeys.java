package org.postkontor.store.internal.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postkontor.store.DkimKey;
import org.postkontor.store.DkimKeys;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.FileCopies;

/**
 * DKIM keys as files: {@code <index>/dkim/<domain>/<selector>.key}, one key each (a properties
 * file: algorithm, creation time, the private and public keys in base64), mode 0600 in a 0700
 * directory. In the index directory because that is where the appliance keeps its small durable
 * state (the accounts), which backups copy and restores bring back as one; not in the accounts
 * database, whose snapshot and journal are copied more widely and never need a private key.
 * Written as every durable file is (temp file, fsync, atomic move, directory fsync); read once and
 * kept in memory. Thread-safe.
 */
public final class FileDkimKeys implements DkimKeys {

    public static final String DIR = "dkim";
    private static final String SUFFIX = ".key";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path root;
    private final DurableFiles files;
    private final Map<String, List<DkimKey>> cache = new ConcurrentHashMap<>();

    private FileDkimKeys(Path root, DurableFiles files) {
        this.root = root;
        this.files = files;
    }

    /** Opens {@code <indexDir>/dkim}, creating it, and puts every key file back to mode 0600 (a restore copies them without). */
    public static FileDkimKeys open(Path indexDir, DurableFiles indexFiles) throws StoreException {
        Path root = indexDir.resolve(DIR);
        try {
            indexFiles.createDirectoriesDurably(root);
            restrict(root, OWNER_DIR);
            try (DirectoryStream<Path> domains = Files.newDirectoryStream(root)) {
                for (Path d : domains) {
                    if (Files.isDirectory(d)) {
                        restrict(d, OWNER_DIR);
                        try (DirectoryStream<Path> keys = Files.newDirectoryStream(d, "*" + SUFFIX)) {
                            for (Path k : keys) {
                                restrict(k, OWNER_ONLY);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot open the DKIM keys under " + root, e);
        }
        return new FileDkimKeys(root, indexFiles);
    }

    @Override
    public List<DkimKey> keys(String domain) throws StoreException {
        String d = MailAddress.normalizeDomain(domain);
        if (!safe(d)) {
            return List.of();
        }
        List<DkimKey> cached = cache.get(d);
        if (cached != null) {
            return cached;
        }
        List<DkimKey> keys = new ArrayList<>();
        Path dir = root.resolve(d);
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path f : s) {
                    keys.add(read(d, f));
                }
            } catch (IOException | RuntimeException e) {
                throw new StoreException("cannot read the DKIM keys of " + d, e);
            }
        }
        keys.sort(Comparator.comparing(DkimKey::created).reversed().thenComparing(DkimKey::selector));
        List<DkimKey> out = List.copyOf(keys);
        cache.put(d, out);
        return out;
    }

    @Override
    public synchronized void put(DkimKey key) throws StoreException {
        Path dir = root.resolve(key.domain());
        if (!safe(key.domain())) {
            throw new IllegalArgumentException("not a domain name: " + key.domain());
        }
        Properties p = new Properties();
        p.setProperty("algorithm", key.algorithm().tag());
        p.setProperty("created", key.created().toString());
        p.setProperty("private", Base64.getEncoder().encodeToString(key.privateKey()));
        p.setProperty("public", Base64.getEncoder().encodeToString(key.publicKey()));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.store(out, "postkontor DKIM key " + key.recordName());
            files.createDirectoriesDurably(dir);
            restrict(dir, OWNER_DIR);
            Path target = dir.resolve(key.selector() + SUFFIX);
            Path tmp = dir.resolve("." + key.selector() + SUFFIX + ".new");
            FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
            Files.deleteIfExists(tmp);
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    mode)) {
                ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            files.syncDirectory(dir);
        } catch (IOException e) {
            throw new StoreException("cannot store the DKIM key " + key.recordName(), e);
        } finally {
            cache.remove(key.domain());
        }
    }

    /** Copies every key file into {@code <targetIndexDir>/dkim/} (fsynced); returns how many. */
    public int backup(Path targetIndexDir) throws IOException {
        List<FileCopies.Copy> copies = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (var s = Files.walk(root)) {
                for (Path f : s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(SUFFIX))
                        .toList()) {
                    copies.add(new FileCopies.Copy(f, targetIndexDir.resolve(DIR).resolve(root.relativize(f)), null,
                            true));
                }
            }
        }
        FileCopies.run(copies, targetIndexDir);
        return copies.size();
    }

    private static DkimKey read(String domain, Path f) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
            p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)));
        }
        String name = f.getFileName().toString();
        return new DkimKey(domain, name.substring(0, name.length() - SUFFIX.length()),
                DkimKey.Algorithm.ofTag(p.getProperty("algorithm")),
                Base64.getDecoder().decode(p.getProperty("private")), Base64.getDecoder().decode(p.getProperty("public")),
                Instant.parse(p.getProperty("created")));
    }

    private static boolean safe(String domain) {
        return !domain.isEmpty() && domain.matches("[a-z0-9.-]+") && !domain.startsWith(".") && !domain.contains("..");
    }

    private static void restrict(Path p, Set<PosixFilePermission> mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, mode);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own access rules apply
        }
    }
}
