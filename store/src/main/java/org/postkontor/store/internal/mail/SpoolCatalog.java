package org.postkontor.store.internal.mail;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.postkontor.store.internal.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A saved copy of the header records of the spool's bodies, so that a start reads from disk only
 * the bodies that came since it was written ({@link SpoolLoader}). It holds each body's record as
 * the file says it (every mailbox named, removed or not), never which entries are live: records
 * never change, so a catalog written at any moment, while mail comes and goes, is still true of
 * every body it names that still exists, and the removal log says which entries are gone. A body
 * it names that is no longer on disk is simply left out; a body on disk it does not name is read.
 * So it may be old, but never wrong, and a damaged or missing catalog costs only time: every body
 * is read.
 *
 * <p>File {@code <index dir>/spool.catalog}: a magic line, then per body its queue id, hour
 * directory, arrival (epoch millis), header length, message octets and recorded mailboxes (with
 * UIDLs when not the queue id), then a CRC32C of all of it. Written to a temp file, fsynced and
 * renamed over the old one.
 */
final class SpoolCatalog {

    static final String FILE = "spool.catalog";
    private static final String MAGIC = "POSTKONTOR-CATALOG 1";
    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private SpoolCatalog() {}

    /**
     * The bodies the catalog in {@code indexDir} names, by queue id (reference counts 0); empty if
     * there is none or it cannot be trusted (logged).
     */
    static Map<String, Body> read(Path indexDir, MailIndex strings) {
        Path file = indexDir.resolve(FILE);
        Map<String, Body> out = new HashMap<>();
        CRC32C crc = new CRC32C();
        try (InputStream buffered = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc))) {
            if (!MAGIC.equals(in.readUTF())) {
                log.warn("spool catalog {} has an unknown format; reading every body instead", file);
                return new HashMap<>();
            }
            while (in.readBoolean()) {
                String queueId = in.readUTF();
                String hour = strings.canonical(in.readUTF());
                long arrived = in.readLong();
                int headerLength = in.readInt();
                long octets = in.readLong();
                int n = in.readUnsignedShort();
                String[] recorded = new String[n];
                for (int i = 0; i < n; i++) {
                    recorded[i] = strings.canonical(in.readUTF());
                }
                String[] uidls = null;
                if (in.readBoolean()) {
                    uidls = new String[n];
                    for (int i = 0; i < n; i++) {
                        uidls[i] = in.readUTF();
                    }
                }
                out.put(queueId, new Body(queueId, hour, arrived, headerLength, octets, recorded, uidls));
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(buffered).readLong(); // after the checked bytes
            if (stored != expected) {
                log.warn("spool catalog {} fails its checksum; reading every body instead", file);
                return new HashMap<>();
            }
            return out;
        } catch (NoSuchFileException e) {
            return new HashMap<>();
        } catch (EOFException | RuntimeException e) {
            log.warn("spool catalog {} is cut short or malformed; reading every body instead: {}", file, e.toString());
            return new HashMap<>();
        } catch (IOException e) {
            log.warn("cannot read the spool catalog {}; reading every body instead: {}", file, e.toString());
            return new HashMap<>();
        }
    }

    /** Writes the records of {@code bodies} durably, replacing the catalog; returns how many. */
    static int write(Path indexDir, Collection<Body> bodies, DurableFiles indexFiles) throws IOException {
        Path file = indexDir.resolve(FILE);
        Path tmp = indexDir.resolve(FILE + ".new");
        int n = 0;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = Channels.newOutputStream(ch);
            CRC32C crc = new CRC32C();
            BufferedOutputStream buffered = new BufferedOutputStream(raw, 1 << 16);
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(buffered, crc));
            out.writeUTF(MAGIC);
            for (Body b : bodies) {
                out.writeBoolean(true);
                out.writeUTF(b.queueId);
                out.writeUTF(b.hour);
                out.writeLong(b.arrivedMillis);
                out.writeInt(b.headerLength);
                out.writeLong(b.octets);
                out.writeShort(b.recorded.length);
                for (String m : b.recorded) {
                    out.writeUTF(m);
                }
                out.writeBoolean(b.uidls != null);
                if (b.uidls != null) {
                    for (String u : b.uidls) {
                        out.writeUTF(u);
                    }
                }
                n++;
            }
            out.writeBoolean(false);
            out.flush();
            new DataOutputStream(buffered).writeLong(crc.getValue());
            buffered.flush();
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        indexFiles.syncDirectory(indexDir);
        return n;
    }
}
