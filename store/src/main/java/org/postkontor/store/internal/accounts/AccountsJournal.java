package org.postkontor.store.internal.accounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.LineLog;

/**
 * The embedded store's record of truth for the accounts: a snapshot of every row
 * ({@value #SNAPSHOT}) and a journal of the row changes since ({@value #LOG}), both under the index
 * directory. The accounts database itself is in memory and rebuilt from them at every start.
 *
 * <p>The journal is a {@link LineLog}: one checksummed line per committed write transaction,
 * {@code T<seq>} and the transaction's {@link RowChange}s separated by tabs, appended and fsynced
 * before the transaction commits, so an acknowledged admin change survives any kill, and a
 * transaction a kill cut off is a torn tail that the next open cuts off (all or nothing). The
 * snapshot is written atomically (temp file, fsync, rename): its first line {@code S<seq>} names
 * the last transaction it holds, so a journal line at or below it is skipped on replay, and the
 * journal is emptied only after the snapshot is in place. A damaged line (not a torn tail) stops
 * the start: replaying around it could bring back a removed user or an old password.
 *
 * <p>Not thread-safe: {@link AccountsDatabase} calls it under its write lock.
 */
final class AccountsJournal implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("postkontor.store");

    static final String SNAPSHOT = "accounts.snapshot";
    static final String LOG = "accounts.log";
    /** The journal is folded into a new snapshot when it grows past this. */
    static final long COMPACT_AT_BYTES = 4L * 1024 * 1024;

    private final Path dir;
    private final DurableFiles files;
    private final LineLog journal;
    private long seq;

    private AccountsJournal(Path dir, DurableFiles files, LineLog journal, long seq) {
        this.dir = dir;
        this.files = files;
        this.journal = journal;
        this.seq = seq;
    }

    /** Whether {@code dir} holds accounts of this format (a snapshot or a journal). */
    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(SNAPSHOT)) || Files.exists(dir.resolve(LOG));
    }

    /**
     * Opens the snapshot and journal under {@code dir} and replays them into {@code c} (an empty,
     * migrated accounts database; committed here).
     *
     * @return the journal, and how many transactions it replayed
     */
    static Opened open(Path dir, DurableFiles files, Connection c) throws IOException, SQLException, StoreException {
        Map<Table, Map<String, Integer>> types = new HashMap<>();
        long seq = 0;
        Path snapshot = dir.resolve(SNAPSHOT);
        if (Files.exists(snapshot)) {
            seq = replaySnapshot(snapshot, c, types);
        }
        LineLog journal = LineLog.open(dir.resolve(LOG), files);
        try {
            LineLog.Contents contents = journal.contents();
            if (contents.damaged() > 0) {
                throw new StoreException("the accounts journal " + journal.file() + " has " + contents.damaged()
                        + " damaged line(s): restore the accounts from a backup (postkontor restore)");
            }
            int replayed = 0;
            for (String line : contents.lines()) {
                String[] parts = line.split("\t");
                long s = seqOf(parts[0], 'T');
                if (s <= seq) {
                    continue; // in the snapshot already
                }
                List<RowChange> changes = new ArrayList<>();
                for (int i = 1; i < parts.length; i++) {
                    changes.add(RowChange.parse(parts[i]));
                }
                for (RowChange change : RowChange.order(changes)) {
                    RowCodec.apply(c, change, types);
                }
                seq = s;
                replayed++;
            }
            c.commit();
            return new Opened(new AccountsJournal(dir, files, journal, seq), replayed, contents.lines().size());
        } catch (IOException | SQLException | StoreException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    record Opened(AccountsJournal journal, int replayed, int lines) {}

    private static long replaySnapshot(Path file, Connection c, Map<Table, Map<String, Integer>> types)
            throws IOException, SQLException, StoreException {
        LineLog.Contents contents = LineLog.read(file);
        List<String> lines = contents.lines();
        if (contents.damaged() > 0 || lines.size() < 2 || !lines.get(lines.size() - 1).equals("E" + (lines.size() - 2))) {
            throw new StoreException("the accounts snapshot " + file
                    + " is damaged: restore the accounts from a backup (postkontor restore)");
        }
        long seq = seqOf(lines.get(0), 'S');
        List<RowChange> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size() - 1)) {
            rows.add(RowChange.parse(line));
        }
        for (RowChange row : RowChange.order(rows)) {
            RowCodec.apply(c, row, types);
        }
        return seq;
    }

    private static long seqOf(String field, char tag) {
        if (field.isEmpty() || field.charAt(0) != tag) {
            throw new IllegalArgumentException("accounts journal line without its sequence number");
        }
        return Long.parseLong(field.substring(1));
    }

    /** Journals one committed-to-be transaction, durably, before the caller commits it. */
    void append(List<RowChange> changes) throws IOException {
        StringBuilder line = new StringBuilder("T").append(seq + 1);
        for (RowChange change : RowChange.order(changes)) {
            line.append('\t').append(change.text());
        }
        journal.append(List.of(line.toString()));
        seq++;
        if (log.isDebugEnabled()) {
            log.debug("accounts journal: T{} with {} row change(s)", seq, changes.size());
        }
    }

    boolean large() throws IOException {
        return journal.size() >= COMPACT_AT_BYTES;
    }

    /**
     * Folds the journal into a new snapshot of {@code c} (which must hold exactly what the journal
     * says: call under the write lock), then empties the journal.
     */
    void compact(Connection c) throws IOException, SQLException {
        files.replaceDurably(snapshotBytes(c), Path.of(SNAPSHOT));
        journal.rewrite(current -> List.of());
    }

    /** A snapshot of every row of {@code c} as of the last journaled transaction. */
    byte[] snapshotBytes(Connection c) throws SQLException {
        return snapshot(c, seq);
    }

    static byte[] snapshot(Connection c, long seq) throws SQLException {
        List<String> lines = new ArrayList<>();
        lines.add("S" + seq);
        for (Table t : Table.values()) {
            for (Map<String, String> row : RowCodec.readAll(c, t)) {
                lines.add(RowChange.put(t, row).text());
            }
        }
        lines.add("E" + (lines.size() - 1));
        return LineLog.encode(lines);
    }

    @Override
    public void close() {
        journal.close();
    }
}
