package org.postkontor.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;

/**
 * The file that makes a backup directory complete: {@value #FILE}, written last and fsynced. A
 * directory without it is a backup that was cut off, and restore refuses it. A backup directory is
 * laid out as a data directory is ({@code spool/}, {@code index/}, {@code badmail/}).
 */
public record BackupManifest(int format, Instant started, Instant finished, int bodies, int badmail) {

    public static final String FILE = "postkontor-backup.properties";
    public static final int FORMAT = 1;

    public void write(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(format));
        p.setProperty("started", started.toString());
        p.setProperty("finished", finished.toString());
        p.setProperty("bodies", Integer.toString(bodies));
        p.setProperty("badmail", Integer.toString(badmail));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.store(out, "postkontor backup: complete when this file is here");
        Path tmp = dir.resolve(FILE + ".new");
        Files.write(tmp, out.toByteArray());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * The manifest of a complete backup in {@code dir}.
     *
     * @throws IOException no manifest (an incomplete backup, or not a backup), or one this version
     *                     cannot read
     */
    public static BackupManifest read(Path dir) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(FILE))) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new IOException(dir + " is not a complete backup: it has no " + FILE, e);
        }
        try {
            int format = Integer.parseInt(p.getProperty("format"));
            if (format != FORMAT) {
                throw new IOException(dir + " is a backup of format " + format + "; this version reads " + FORMAT);
            }
            return new BackupManifest(format, Instant.parse(p.getProperty("started")),
                    Instant.parse(p.getProperty("finished")), Integer.parseInt(p.getProperty("bodies")),
                    Integer.parseInt(p.getProperty("badmail")));
        } catch (RuntimeException e) {
            throw new IOException("the manifest of " + dir + " is malformed", e);
        }
    }
}
