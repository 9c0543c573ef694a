package org.postkontor.store.internal;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BadmailStore} as durable files under the badmail directory, indexed in
 * {@code badmail_items}/{@code badmail_recipients}.
 *
 * <p>Layout: {@code items/<id>.eml} holds each original exactly as given; {@code tmp/} holds files
 * being written; {@code quarantine/} receives files that no index row names, found at startup.
 * An item id is {@code yyyyMMddTHHmmss-} (its arrival in UTC) plus 10 random base-32 characters,
 * so ids sort roughly by age and are safe in paths and URLs.
 *
 * <p>Order of work, so that a crash at any moment leaves nothing listed that cannot be opened:
 * {@link #put} writes the file durably (tmp, fsync, atomic move, directory fsync) and commits the
 * rows after; {@link #remove} commits the row deletion first, then deletes the file. A crash
 * between the two steps leaves a file without a row, which {@link #reconcile()} quarantines.
 *
 * <p>{@link #put} refuses with {@link InsufficientStorageException} when the badmail volume has
 * less than the free-disk reserve available, and aborts (nothing kept) when the original would
 * cross the reserve while being written.
 *
 * <p>Lifecycle: construct, call {@link #reconcile()} once before serving, then use from any
 * thread.
 */
public final class JdbcBadmailStore implements BadmailStore {

    private static final Logger log = LoggerFactory.getLogger(JdbcBadmailStore.class);

    /** What {@link #reconcile()} found and handled. */
    public record Reconciliation(int tempFilesRemoved, int orphanFiles, int missingFiles) {}

    static final String ITEMS = "items";
    static final String QUARANTINE = "quarantine";
    private static final Pattern ID = Pattern.compile("[0-9A-Za-z-]{1,40}");
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    // Column widths of V1__initial.sql; longer values from the network are cut, never refused.
    private static final int MAX_SENDER = 1000;
    private static final int MAX_CLIENT = 100;
    private static final int MAX_HELO = 255;
    private static final int MAX_KIND = 40;
    private static final int MAX_ENHANCED = 16;
    private static final int MAX_TEXT = 1000;
    private static final int MAX_RECIPIENT = 1000;
    private static final int MAX_DOMAIN = 255;

    private final Database db;
    private final Path badmailDir;
    private final long freeDiskReserveBytes;
    private final Clock clock;
    private final StoreMetrics metrics;
    private final DurableFiles files;
    private final Path items;
    private final SecureRandom random = new SecureRandom();

    /** Creates the badmail directory and its {@code tmp/} and {@code items/} if missing. */
    public JdbcBadmailStore(Database db, Path badmailDir, long freeDiskReserveBytes, Clock clock,
                            StoreMetrics metrics) throws StoreException {
        this.db = Objects.requireNonNull(db, "db");
        this.badmailDir = Objects.requireNonNull(badmailDir, "badmailDir").toAbsolutePath().normalize();
        if (freeDiskReserveBytes < 0) {
            throw new IllegalArgumentException("free disk reserve must be >= 0");
        }
        this.freeDiskReserveBytes = freeDiskReserveBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        try {
            this.files = new DurableFiles(this.badmailDir, metrics);
            this.items = this.badmailDir.resolve(ITEMS);
            files.createDirectoriesDurably(items);
        } catch (IOException e) {
            throw new StoreException("cannot create the badmail directory " + this.badmailDir, e);
        }
    }

    // ---------------------------------------------------------------- startup

    /**
     * Startup reconciliation of files against rows: temp files removed; files in {@code items/}
     * that no row names moved to {@code quarantine/} (a put cut off before its commit, or a remove
     * cut off after it); rows whose file is missing deleted. Each is counted, logged and reported
     * to {@link StoreMetrics#reconciled}. Call before the first {@link #put}.
     */
    public Reconciliation reconcile() throws StoreException {
        try {
            int temp = files.clearTmp();
            Map<String, String> rows = db.read(c -> {
                Map<String, String> m = new LinkedHashMap<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT id, path FROM badmail_items");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(rs.getString(2), rs.getString(1));
                    }
                }
                return m;
            });
            Set<String> seen = new HashSet<>();
            List<Path> orphans = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(items)) {
                for (Path p : dir) {
                    String rel = ITEMS + "/" + p.getFileName();
                    if (rows.containsKey(rel)) {
                        seen.add(rel);
                    } else if (Files.isRegularFile(p)) {
                        orphans.add(p);
                    }
                }
            }
            if (!orphans.isEmpty()) {
                Path q = badmailDir.resolve(QUARANTINE);
                files.createDirectoriesDurably(q);
                for (Path p : orphans) {
                    Files.move(p, q.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    log.warn("badmail file {} has no index row: moved to {}", p.getFileName(), q);
                }
                files.syncDirectory(q);
                files.syncDirectory(items);
            }
            List<String> missing = new ArrayList<>();
            rows.forEach((path, id) -> {
                if (!seen.contains(path)) {
                    missing.add(id);
                }
            });
            if (!missing.isEmpty()) {
                db.write(c -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM badmail_items WHERE id = ?")) {
                        for (String id : missing) {
                            ps.setString(1, id);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    return null;
                });
                log.warn("badmail items without their file, index rows dropped: {}", missing);
            }
            Reconciliation r = new Reconciliation(temp, orphans.size(), missing.size());
            metrics.reconciled("badmail_temp_file", r.tempFilesRemoved());
            metrics.reconciled("badmail_orphan_file", r.orphanFiles());
            metrics.reconciled("badmail_missing_file", r.missingFiles());
            log.info("badmail reconciliation: {} temp file(s) removed, {} orphan file(s) quarantined,"
                    + " {} row(s) without a file dropped", temp, orphans.size(), missing.size());
            return r;
        } catch (IOException e) {
            throw new StoreException("badmail reconciliation failed", e);
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original)
            throws StoreException {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(original, "original");
        if (reason.kind() == null || reason.kind().isEmpty() || reason.kind().length() > MAX_KIND) {
            throw new IllegalArgumentException("reason kind must be 1 to " + MAX_KIND + " characters");
        }
        Instant now = micros(clock.instant());
        BadmailEnvelope env = new BadmailEnvelope(cut(nullToEmpty(envelope.sender()), MAX_SENDER),
                envelope.recipients().stream().map(r -> cut(nullToEmpty(r), MAX_RECIPIENT)).toList(),
                cut(nullToEmpty(envelope.clientAddress()), MAX_CLIENT), cut(nullToEmpty(envelope.helo()), MAX_HELO),
                envelope.received() == null ? now : micros(envelope.received()));
        BadmailReason why = new BadmailReason(reason.kind(), reason.code(),
                cut(nullToEmpty(reason.enhancedStatus()), MAX_ENHANCED), cut(nullToEmpty(reason.text()), MAX_TEXT),
                reason.at() == null ? now : micros(reason.at()));

        long room = roomBeforeReserve();
        if (room <= 0) {
            throw new InsufficientStorageException("badmail volume is at its free-disk reserve");
        }
        String id = newId(now);
        String rel = ITEMS + "/" + id + ".eml";
        long octets;
        try {
            octets = files.storeDurably(new Bounded(original, room), Path.of(rel), false);
        } catch (ReserveReached e) {
            throw new InsufficientStorageException("badmail original would cross the free-disk reserve");
        } catch (IOException e) {
            throw new StoreException("cannot write a badmail original", e);
        }
        BadmailItem item = new BadmailItem(id, env, why, octets);
        try {
            db.write(c -> {
                insert(c, item, rel);
                return null;
            });
        } catch (StoreException | RuntimeException e) {
            DurableFiles.deleteQuietly(badmailDir.resolve(rel));
            throw e;
        }
        return item;
    }

    private static void insert(Connection c, BadmailItem item, String rel) throws SQLException {
        BadmailEnvelope env = item.envelope();
        BadmailReason why = item.reason();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO badmail_items (id, path, octets, sender, client_address, helo, received_at,"
                        + " reason_kind, reason_code, reason_enhanced, reason_text, reason_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, item.id());
            ps.setString(2, rel);
            ps.setLong(3, item.octets());
            ps.setString(4, env.sender());
            ps.setString(5, env.clientAddress());
            ps.setString(6, env.helo());
            ps.setObject(7, OffsetDateTime.ofInstant(env.received(), ZoneOffset.UTC));
            ps.setString(8, why.kind());
            ps.setInt(9, why.code());
            ps.setString(10, why.enhancedStatus());
            ps.setString(11, why.text());
            ps.setObject(12, OffsetDateTime.ofInstant(why.at(), ZoneOffset.UTC));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO badmail_recipients (item_id, position, address, domain) VALUES (?, ?, ?, ?)")) {
            int pos = 0;
            for (String r : env.recipients()) {
                ps.setString(1, item.id());
                ps.setInt(2, pos++);
                ps.setString(3, r);
                ps.setString(4, domainOf(r));
                ps.addBatch();
            }
            if (pos > 0) {
                ps.executeBatch();
            }
        }
    }

    @Override
    public boolean remove(String id) throws StoreException {
        if (id == null || !ID.matcher(id).matches()) {
            return false;
        }
        Optional<String> rel = db.write(c -> {
            Optional<String> path = pathOf(c, id);
            if (path.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM badmail_items WHERE id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            return path;
        });
        if (rel.isEmpty()) {
            return false;
        }
        try {
            DurableFiles.delete(badmailDir.resolve(rel.get()));
        } catch (IOException e) {
            log.warn("badmail item {} removed from the index, but its file could not be deleted;"
                    + " the next start quarantines it", id, e);
        }
        return true;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<BadmailItem> list(BadmailQuery query) throws StoreException {
        BadmailQuery q = query == null ? BadmailQuery.ALL : query;
        if (q.offset() < 0 || q.limit() < 0) {
            throw new IllegalArgumentException("offset and limit must be >= 0");
        }
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.kind() != null) {
            where.append(" AND i.reason_kind = ?");
            args.add(q.kind());
        }
        if (q.receivedBefore() != null) {
            where.append(" AND i.received_at < ?");
            args.add(OffsetDateTime.ofInstant(q.receivedBefore(), ZoneOffset.UTC));
        }
        if (q.recipient() != null) {
            where.append(" AND EXISTS (SELECT 1 FROM badmail_recipients r"
                    + " WHERE r.item_id = i.id AND LOWER(r.address) = ?)");
            args.add(bare(q.recipient()).toLowerCase(java.util.Locale.ROOT));
        }
        if (q.domain() != null) {
            where.append(" AND EXISTS (SELECT 1 FROM badmail_recipients r WHERE r.item_id = i.id AND r.domain = ?)");
            args.add(MailAddress.normalizeDomain(q.domain().strip()));
        }
        String page = "";
        if (q.offset() > 0) {
            page += " OFFSET " + q.offset() + " ROWS";
        }
        if (q.limit() > 0) {
            page += " FETCH NEXT " + q.limit() + " ROWS ONLY";
        }
        String sql = "SELECT p.*, r.address FROM (SELECT " + ITEM_COLUMNS + " FROM badmail_items i" + where
                + " ORDER BY i.received_at, i.id" + page + ") p"
                + " LEFT JOIN badmail_recipients r ON r.item_id = p.id"
                + " ORDER BY p.received_at, p.id, r.position";
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                return items(ps);
            }
        });
    }

    @Override
    public Optional<BadmailItem> get(String id) throws StoreException {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT p.*, r.address FROM (SELECT " + ITEM_COLUMNS
                    + " FROM badmail_items i WHERE i.id = ?) p LEFT JOIN badmail_recipients r ON r.item_id = p.id"
                    + " ORDER BY r.position")) {
                ps.setString(1, id);
                return items(ps).stream().findFirst();
            }
        });
    }

    @Override
    public InputStream open(String id) throws StoreException {
        Optional<String> rel = id == null || !ID.matcher(id).matches()
                ? Optional.empty()
                : db.read(c -> pathOf(c, id));
        if (rel.isEmpty()) {
            throw new NotFoundException("no such badmail item: " + id);
        }
        try {
            return new BufferedInputStream(Files.newInputStream(badmailDir.resolve(rel.get())), 64 * 1024);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("badmail item " + id + " was removed", e);
        } catch (IOException e) {
            throw new StoreException("cannot read badmail item " + id, e);
        }
    }

    @Override
    public BadmailTotals totals() throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*), COALESCE(SUM(octets), 0), MIN(received_at) FROM badmail_items");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                OffsetDateTime oldest = rs.getObject(3, OffsetDateTime.class);
                return new BadmailTotals(rs.getLong(1), rs.getLong(2),
                        Optional.ofNullable(oldest).map(OffsetDateTime::toInstant));
            }
        });
    }

    private static final String ITEM_COLUMNS = "i.id, i.octets, i.sender, i.client_address, i.helo, i.received_at,"
            + " i.reason_kind, i.reason_code, i.reason_enhanced, i.reason_text, i.reason_at";

    /** Reads rows of {@code ITEM_COLUMNS + r.address}, one row per recipient, grouped by item in order. */
    private static List<BadmailItem> items(PreparedStatement ps) throws SQLException {
        List<BadmailItem> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            String current = null;
            List<String> recipients = null;
            Object[] row = null;
            while (rs.next()) {
                String id = rs.getString(1);
                if (!id.equals(current)) {
                    if (current != null) {
                        out.add(item(row, recipients));
                    }
                    current = id;
                    recipients = new ArrayList<>();
                    row = new Object[] {id, rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getObject(6, OffsetDateTime.class), rs.getString(7), rs.getInt(8), rs.getString(9),
                            rs.getString(10), rs.getObject(11, OffsetDateTime.class)};
                }
                String r = rs.getString(12);
                if (r != null) {
                    recipients.add(r);
                }
            }
            if (current != null) {
                out.add(item(row, recipients));
            }
        }
        return out;
    }

    private static BadmailItem item(Object[] r, List<String> recipients) {
        BadmailEnvelope env = new BadmailEnvelope((String) r[2], recipients, (String) r[3], (String) r[4],
                ((OffsetDateTime) r[5]).toInstant());
        BadmailReason why = new BadmailReason((String) r[6], (Integer) r[7], (String) r[8], (String) r[9],
                ((OffsetDateTime) r[10]).toInstant());
        return new BadmailItem((String) r[0], env, why, (Long) r[1]);
    }

    private static Optional<String> pathOf(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT path FROM badmail_items WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private long roomBeforeReserve() throws StoreException {
        try {
            return Files.getFileStore(badmailDir).getUsableSpace() - freeDiskReserveBytes;
        } catch (IOException e) {
            throw new StoreException("cannot read the free space of the badmail volume", e);
        }
    }

    private String newId(Instant at) {
        StringBuilder sb = new StringBuilder(ID_TIME.format(at)).append('-');
        for (int i = 0; i < 10; i++) {
            sb.append(BASE32[random.nextInt(32)]);
        }
        return sb.toString();
    }

    /** Time as the index keeps it (microseconds), so that what put returns equals what get reads. */
    private static Instant micros(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    /** The address without angle brackets or surrounding blanks. */
    private static String bare(String address) {
        String a = address.strip();
        if (a.startsWith("<") && a.endsWith(">") && a.length() >= 2) {
            a = a.substring(1, a.length() - 1);
        }
        return a;
    }

    /** The normalized domain of a recipient as given at RCPT ({@code ""} when it has none). */
    static String domainOf(String recipient) {
        String a = bare(recipient);
        int at = a.lastIndexOf('@');
        return at < 0 ? "" : cut(MailAddress.normalizeDomain(a.substring(at + 1)), MAX_DOMAIN);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** The original crossed the reserve while being written. */
    private static final class ReserveReached extends IOException {
        ReserveReached() {
            super("free-disk reserve reached");
        }
    }

    /** Passes bytes through until {@code room} is used up, then fails with {@link ReserveReached}. */
    private static final class Bounded extends FilterInputStream {
        private long room;

        Bounded(InputStream in, long room) {
            super(in);
            this.room = room;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --room < 0) {
                throw new ReserveReached();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                room -= n;
                if (room < 0) {
                    throw new ReserveReached();
                }
            }
            return n;
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }
}
