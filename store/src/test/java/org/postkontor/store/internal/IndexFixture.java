package org.postkontor.store.internal;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;

/** A real H2 index under a temp dir, plus the classes of this lane wired on it. */
final class IndexFixture implements AutoCloseable {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    final StoreConfig config;
    final Database db;
    final PlainPasswordHasher hasher = new PlainPasswordHasher();
    final List<MailAddress> purged = new ArrayList<>();
    final JdbcAdministration admin;
    final JdbcDirectory directory;
    final JdbcAccounts accounts;

    IndexFixture(Path dir) throws StoreException {
        config = StoreConfig.under(dir);
        db = Database.open(config.indexDir());
        admin = new JdbcAdministration(db, hasher, CLOCK, purged::add, config);
        directory = new JdbcDirectory(db);
        accounts = new JdbcAccounts(db, hasher, CLOCK);
    }

    static MailAddress a(String address) {
        return MailAddress.parse(address);
    }

    /** Inserts a message row and one mailbox entry of {@code octets}, as the spool would. */
    void entry(String mailbox, long octets) throws StoreException {
        db.write(c -> {
            String queueId = "q" + System.nanoTime();
            long messageId;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO messages (queue_id, path, octets, received_at) VALUES (?, ?, ?, ?)",
                    new String[] {"ID"})) {
                ps.setString(1, queueId);
                ps.setString(2, "x/" + queueId);
                ps.setLong(3, octets);
                ps.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
                ps.executeUpdate();
                try (var keys = ps.getGeneratedKeys()) {
                    keys.next();
                    messageId = keys.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO mailbox_entries (mailbox, message_id, uidl, octets, arrived_at) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, mailbox);
                ps.setLong(2, messageId);
                ps.setString(3, queueId);
                ps.setLong(4, octets);
                ps.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void close() {
        db.close();
    }
}
