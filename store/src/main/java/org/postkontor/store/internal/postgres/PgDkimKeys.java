package org.postkontor.store.internal.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.postkontor.store.DkimKey;
import org.postkontor.store.DkimKeys;
import org.postkontor.store.StoreException;

/**
 * The DKIM keys in the {@code dkim_keys} table, the same on every node. Each node remembers a
 * domain's keys for {@value #CACHE_SECONDS} seconds (every outbound message is signed, a key
 * changes once a year), forgets them at once when it stores one itself, so a key made on one node
 * signs there at once and on the others within that time. Thread-safe.
 */
public final class PgDkimKeys implements DkimKeys {

    static final int CACHE_SECONDS = 60;

    private record Cached(List<DkimKey> keys, Instant until) {}

    private final PgDatabase db;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public PgDkimKeys(PgDatabase db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    @Override
    public List<DkimKey> keys(String domain) throws StoreException {
        Instant now = clock.instant();
        Cached c = cache.get(domain);
        if (c != null && now.isBefore(c.until())) {
            return c.keys();
        }
        List<DkimKey> keys = new ArrayList<>();
        try (Connection conn = db.connection(); PreparedStatement ps = conn.prepareStatement(
                "SELECT selector, algorithm, private_key, public_key, created FROM dkim_keys WHERE domain = ?"
                        + " ORDER BY created DESC, selector")) {
            ps.setString(1, domain);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new DkimKey(domain, rs.getString(1), DkimKey.Algorithm.ofTag(rs.getString(2)),
                            rs.getBytes(3), rs.getBytes(4), rs.getObject(5, OffsetDateTime.class).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the DKIM keys of " + domain + ": " + e.getMessage(), e);
        }
        List<DkimKey> out = List.copyOf(keys);
        cache.put(domain, new Cached(out, now.plus(Duration.ofSeconds(CACHE_SECONDS))));
        return out;
    }

    @Override
    public void put(DkimKey key) throws StoreException {
        try (Connection conn = db.connection(); PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO dkim_keys (domain, selector, algorithm, private_key, public_key, created)"
                        + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (domain, selector) DO UPDATE SET"
                        + " algorithm = EXCLUDED.algorithm, private_key = EXCLUDED.private_key,"
                        + " public_key = EXCLUDED.public_key, created = EXCLUDED.created")) {
            ps.setString(1, key.domain());
            ps.setString(2, key.selector());
            ps.setString(3, key.algorithm().tag());
            ps.setBytes(4, key.privateKey());
            ps.setBytes(5, key.publicKey());
            ps.setObject(6, key.created().atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot store the DKIM key " + key.recordName() + ": " + e.getMessage(), e);
        } finally {
            cache.remove(key.domain());
        }
    }
}
