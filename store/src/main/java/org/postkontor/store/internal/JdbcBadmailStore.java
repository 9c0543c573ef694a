package org.postkontor.store.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
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
 * {@code badmail_items}/{@code badmail_recipients}. The files are the record of truth, the index
 * is rebuilt from them where a crash cut it off (Postfix-style).
 *
 * <p>Layout: {@code items/<id>.eml} holds each original exactly as given; {@code items/<id>.env}
 * its envelope and reason (a {@link Properties} file), from which {@link #reconcile()} can
 * re-index the item; {@code tmp/} holds files being written; {@code quarantine/} receives
 * originals found at startup with neither an index row nor an envelope file. An item id is
 * {@code yyyyMMddTHHmmss-} (its arrival in UTC) plus 10 random base-32 characters, so ids sort
 * roughly by age and are safe in paths and URLs.
 *
 * <p>Order of work, so that a crash at any moment loses no item whose {@link #put} returned and
 * lists nothing that cannot be opened:
 * <ul>
 *   <li>{@link #put}: both files written to {@code tmp/} and fsynced; the envelope file moved into
 *       place, then the original (its arrival makes the item complete); {@code items/} fsynced;
 *       then the rows committed. A crash before the commit leaves complete files without rows:
 *       re-indexed at the next start. (Also if the index loses a commit it reported done.)</li>
 *   <li>{@link #remove}: the envelope file deleted and {@code items/} fsynced, then the rows
 *       deleted, then the original. A crash in between leaves either a listed item without an
 *       envelope file (still served; removable again) or an original alone (quarantined), never
 *       a removed item that comes back.</li>
 * </ul>
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

    /**
     * What {@link #reconcile()} found and handled.
     *
     * @param tempFilesRemoved files in {@code tmp/} (puts cut off before their files were whole)
     * @param reindexed        complete items without index rows, indexed again from their files
     * @param orphanFiles      originals with neither row nor envelope file, moved to quarantine
     * @param missingFiles     index rows whose original is gone, dropped
     * @param strayEnvelopes   envelope files without their original, deleted
     * @param deferred         complete items the index refused to take now (files kept, not
     *                         listed; the next start tries again)
     */
    public record Reconciliation(int tempFilesRemoved, int reindexed, int orphanFiles, int missingFiles,
                                 int strayEnvelopes, int deferred) {}

    static final String ITEMS = "items";
    static final String QUARANTINE = "quarantine";
    static final String ORIGINAL = ".eml";
    static final String ENVELOPE = ".env";
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
     * Startup reconciliation of files against rows (see the class comment for the cases). Each
     * case is counted, logged and reported to {@link StoreMetrics#reconciled} as
     * {@code badmail_temp_file}, {@code badmail_reindexed}, {@code badmail_orphan_file},
     * {@code badmail_missing_file}, {@code badmail_stray_envelope} and
     * {@code badmail_reindex_deferred}. Call before the first
     * {@link #put}, with no other user of the badmail directory.
     */
    public Reconciliation reconcile() throws StoreException {
        try {
            int temp = files.clearTmp();
            Map<String, String> rows = db.read(c -> {
                Map<String, String> m = new HashMap<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT id, path FROM badmail_items");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getString(2));
                    }
                }
                return m;
            });
            Set<String> originals = new TreeSet<>();
            Set<String> envelopes = new TreeSet<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(items)) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                    if (name.endsWith(ORIGINAL)) {
                        originals.add(name.substring(0, name.length() - ORIGINAL.length()));
                    } else if (name.endsWith(ENVELOPE)) {
                        envelopes.add(name.substring(0, name.length() - ENVELOPE.length()));
                    }
                }
            }
            List<String> missing = new ArrayList<>();
            for (var row : rows.entrySet()) {
                if (!Files.isRegularFile(badmailDir.resolve(row.getValue()))) {
                    missing.add(row.getKey());
                }
            }
            List<BadmailItem> reindex = new ArrayList<>();
            List<String> orphans = new ArrayList<>();
            for (String id : originals) {
                if (rows.containsKey(id)) {
                    continue;
                }
                Optional<BadmailItem> item = envelopes.contains(id) ? readEnvelope(id) : Optional.empty();
                if (item.isPresent()) {
                    reindex.add(item.get());
                } else {
                    orphans.add(id);
                }
            }
            List<String> stray = new ArrayList<>();
            for (String id : envelopes) {
                if (!originals.contains(id)) {
                    stray.add(id);
                }
            }
            boolean changedItems = false;
            if (!orphans.isEmpty()) {
                Path q = badmailDir.resolve(QUARANTINE);
                files.createDirectoriesDurably(q);
                for (String id : orphans) {
                    Files.move(items.resolve(id + ORIGINAL), q.resolve(id + ORIGINAL), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    if (envelopes.contains(id)) {
                        Files.move(items.resolve(id + ENVELOPE), q.resolve(id + ENVELOPE),
                                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                files.syncDirectory(q);
                changedItems = true;
                log.warn("badmail originals with neither index row nor envelope file, moved to {}: {}", q, orphans);
            }
            for (String id : stray) {
                DurableFiles.delete(items.resolve(id + ENVELOPE));
                changedItems = true;
            }
            if (changedItems) {
                files.syncDirectory(items);
            }
            int strayRecipients = db.write(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM badmail_items WHERE id = ?")) {
                    for (String id : missing) {
                        ps.setString(1, id);
                        ps.addBatch();
                    }
                    if (!missing.isEmpty()) {
                        ps.executeBatch();
                    }
                }
                // Recipient rows whose item row is gone: a crash can leave them (seen once after a
                // SIGKILL, with the item's files whole); they would block re-indexing the item.
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM badmail_recipients WHERE NOT EXISTS"
                        + " (SELECT 1 FROM badmail_items i WHERE i.id = badmail_recipients.item_id)")) {
                    return ps.executeUpdate();
                }
            });
            // One transaction per item: an index that cannot take one (seen once after a SIGKILL:
            // a leftover of the cut-off put still locked its row) must not stop the store from
            // starting. Its files stay; the next start tries again.
            List<BadmailItem> notReindexed = new ArrayList<>();
            for (BadmailItem item : List.copyOf(reindex)) {
                try {
                    db.write(c -> {
                        insert(c, item, ITEMS + "/" + item.id() + ORIGINAL);
                        return null;
                    });
                } catch (StoreException e) {
                    notReindexed.add(item);
                    reindex.remove(item);
                    log.warn("badmail item {} could not be indexed again now; its files are kept and the next"
                            + " start tries again", item.id(), e);
                }
            }
            if (strayRecipients > 0) {
                log.warn("badmail: {} recipient row(s) without their item row deleted from the index", strayRecipients);
            }
            if (!missing.isEmpty()) {
                log.warn("badmail items without their original, index rows dropped: {}", missing);
            }
            if (!reindex.isEmpty()) {
                log.warn("badmail items without index rows, indexed again from their files: {}",
                        reindex.stream().map(BadmailItem::id).toList());
            }
            Reconciliation r = new Reconciliation(temp, reindex.size(), orphans.size(), missing.size(), stray.size(),
                    notReindexed.size());
            metrics.reconciled("badmail_temp_file", r.tempFilesRemoved());
            metrics.reconciled("badmail_reindexed", r.reindexed());
            metrics.reconciled("badmail_orphan_file", r.orphanFiles());
            metrics.reconciled("badmail_missing_file", r.missingFiles());
            metrics.reconciled("badmail_stray_envelope", r.strayEnvelopes());
            metrics.reconciled("badmail_reindex_deferred", r.deferred());
            log.info("badmail reconciliation: {}", r);
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
        BadmailItem item = writeFiles(id, env, why, original, room);
        try {
            db.write(c -> {
                insert(c, item, ITEMS + "/" + id + ORIGINAL);
                return null;
            });
        } catch (StoreException | RuntimeException e) {
            deleteItemFiles(id);
            throw e;
        }
        return item;
    }

    /** Both files durable in {@code items/}: envelope first, the original last. */
    private BadmailItem writeFiles(String id, BadmailEnvelope env, BadmailReason why, InputStream original,
                                   long room) throws StoreException {
        DurableFiles.TempFile body = null;
        DurableFiles.TempFile envelopeFile = null;
        try {
            body = files.writeTemp(new Bounded(original, room), false);
            BadmailItem item = new BadmailItem(id, env, why, body.octets());
            envelopeFile = files.writeTemp(new ByteArrayInputStream(envelopeBytes(item)), false);
            files.moveIntoPlace(envelopeFile, Path.of(ITEMS, id + ENVELOPE));
            envelopeFile = null;
            files.moveIntoPlace(body, Path.of(ITEMS, id + ORIGINAL));
            body = null;
            files.syncDirectory(items);
            return item;
        } catch (ReserveReached e) {
            deleteItemFiles(id);
            throw new InsufficientStorageException("badmail original would cross the free-disk reserve");
        } catch (IOException e) {
            deleteItemFiles(id);
            if (DurableFiles.outOfSpace(e)) {
                throw new InsufficientStorageException("badmail volume full while writing", e);
            }
            throw new StoreException("cannot write a badmail item", e);
        } finally {
            if (body != null) {
                body.discard();
            }
            if (envelopeFile != null) {
                envelopeFile.discard();
            }
        }
    }

    private void deleteItemFiles(String id) {
        DurableFiles.deleteQuietly(items.resolve(id + ORIGINAL));
        DurableFiles.deleteQuietly(items.resolve(id + ENVELOPE));
    }

    // Envelope file: java.util.Properties (ISO-8859-1, other characters escaped), keys below; version 1.
    private static final String V = "version";
    private static final String SENDER = "sender";
    private static final String RECIPIENTS = "recipients";
    private static final String RECIPIENT = "recipient.";
    private static final String CLIENT = "client";
    private static final String HELO = "helo";
    private static final String RECEIVED = "received";
    private static final String KIND = "reason.kind";
    private static final String CODE = "reason.code";
    private static final String ENHANCED = "reason.enhanced";
    private static final String TEXT = "reason.text";
    private static final String AT = "reason.at";
    private static final String OCTETS = "octets";

    private static byte[] envelopeBytes(BadmailItem item) throws IOException {
        Properties p = new Properties();
        p.setProperty(V, "1");
        p.setProperty(SENDER, item.envelope().sender());
        List<String> recipients = item.envelope().recipients();
        p.setProperty(RECIPIENTS, Integer.toString(recipients.size()));
        for (int i = 0; i < recipients.size(); i++) {
            p.setProperty(RECIPIENT + i, recipients.get(i));
        }
        p.setProperty(CLIENT, item.envelope().clientAddress());
        p.setProperty(HELO, item.envelope().helo());
        p.setProperty(RECEIVED, item.envelope().received().toString());
        p.setProperty(KIND, item.reason().kind());
        p.setProperty(CODE, Integer.toString(item.reason().code()));
        p.setProperty(ENHANCED, item.reason().enhancedStatus());
        p.setProperty(TEXT, item.reason().text());
        p.setProperty(AT, item.reason().at().toString());
        p.setProperty(OCTETS, Long.toString(item.octets()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.store(out, "postkontor badmail envelope " + item.id());
        return out.toByteArray();
    }

    /** The item as its envelope file describes it; empty if that file is unreadable or malformed. */
    private Optional<BadmailItem> readEnvelope(String id) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(items.resolve(id + ENVELOPE))) {
            p.load(in);
            if (!"1".equals(p.getProperty(V))) {
                throw new IllegalArgumentException("unknown envelope file version");
            }
            int n = Integer.parseInt(p.getProperty(RECIPIENTS));
            List<String> recipients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                recipients.add(Objects.requireNonNull(p.getProperty(RECIPIENT + i), "recipient"));
            }
            long octets = Long.parseLong(p.getProperty(OCTETS));
            if (octets != Files.size(items.resolve(id + ORIGINAL))) {
                throw new IllegalArgumentException("original is not the size its envelope file says");
            }
            BadmailEnvelope env = new BadmailEnvelope(req(p, SENDER), recipients, req(p, CLIENT), req(p, HELO),
                    Instant.parse(req(p, RECEIVED)));
            BadmailReason why = new BadmailReason(req(p, KIND), Integer.parseInt(req(p, CODE)), req(p, ENHANCED),
                    req(p, TEXT), Instant.parse(req(p, AT)));
            return Optional.of(new BadmailItem(id, env, why, octets));
        } catch (IOException | RuntimeException e) {
            log.warn("badmail envelope file of {} is unreadable: {}", id, e.toString());
            return Optional.empty();
        }
    }

    private static String req(Properties p, String key) {
        return Objects.requireNonNull(p.getProperty(key), key);
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
        Optional<String> path = db.read(c -> pathOf(c, id));
        if (path.isEmpty()) {
            return false;
        }
        try {
            // Without its envelope file, an original can no longer be re-indexed: a crash after the
            // row deletion below cannot bring the item back.
            if (DurableFiles.delete(items.resolve(id + ENVELOPE))) {
                files.syncDirectory(items);
            }
        } catch (IOException e) {
            throw new StoreException("cannot remove badmail item " + id, e);
        }
        boolean removed = db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM badmail_items WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
        if (!removed) {
            return false; // a concurrent remove won
        }
        try {
            DurableFiles.delete(badmailDir.resolve(path.get()));
        } catch (IOException e) {
            log.warn("badmail item {} removed from the index, but its original could not be deleted;"
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
