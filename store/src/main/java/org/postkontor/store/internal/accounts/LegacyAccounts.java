package org.postkontor.store.internal.accounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.files.DurableFiles;
import org.postkontor.store.internal.files.LineLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upgrade from the version that kept everything in an H2 file ({@code <index>/postkontor.mv.db},
 * schema V1–V3): at the first start of this version, its domains, users (with their hashes and
 * SCRAM keys) and aliases become the accounts snapshot, and the old file is renamed
 * {@code postkontor.mv.db.replaced} (kept for the admin to delete). Its mail rows are not needed:
 * the spool has the truth. Read with plain SELECTs through JDBC, which need no row lock, so a file
 * left by a kill opens too.
 */
final class LegacyAccounts {

    static final String FILE = "postkontor.mv.db";
    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private LegacyAccounts() {}

    static boolean present(Path indexDir) {
        return Files.isRegularFile(indexDir.resolve(FILE));
    }

    static void takeOver(Path indexDir, DurableFiles indexFiles) throws StoreException {
        String url = "jdbc:h2:file:" + indexDir.toAbsolutePath().resolve("postkontor") + ";DB_CLOSE_ON_EXIT=FALSE";
        List<String> lines = new ArrayList<>();
        lines.add("S0");
        int domains;
        int users;
        int aliases;
        try (Connection c = DriverManager.getConnection(url, "postkontor", "")) {
            domains = copy(c, lines, Table.DOMAINS, "SELECT name, policy, created_at FROM domains ORDER BY name");
            users = copy(c, lines, Table.USERS, "SELECT u.address, d.name AS domain, u.local_part, u.password_hash,"
                    + " u.scram_salt, u.scram_iterations, u.scram_stored_key, u.scram_server_key, u.quota_bytes,"
                    + " u.quota_messages, u.enabled, u.created_at FROM users u JOIN domains d ON d.id = u.domain_id"
                    + " ORDER BY u.address");
            aliases = copyAliases(c, lines);
            try (var s = c.createStatement()) {
                s.execute("SHUTDOWN");
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the accounts of the earlier index file " + indexDir.resolve(FILE)
                    + "; start the earlier version once and stop it cleanly, then try again", e);
        }
        lines.add("E" + (lines.size() - 1));
        try {
            indexFiles.replaceDurably(LineLog.encode(lines), Path.of(AccountsJournal.SNAPSHOT));
            Files.move(indexDir.resolve(FILE), indexDir.resolve(FILE + ".replaced"), StandardCopyOption.ATOMIC_MOVE);
            indexFiles.syncDirectory(indexDir);
        } catch (IOException e) {
            throw new StoreException("cannot write the accounts taken over from the earlier index file", e);
        }
        log.info("accounts taken over from the earlier index file: {} domain(s), {} user(s), {} alias row(s); the old"
                + " file is kept as {}.replaced", domains, users, aliases, FILE);
    }

    private static int copy(Connection c, List<String> lines, Table table, String sql) throws SQLException {
        int n = 0;
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                lines.add(RowChange.put(table, RowCodec.encode(rs)).text());
                n++;
            }
        }
        return n;
    }

    private static int copyAliases(Connection c, List<String> lines) throws SQLException {
        int n = 0;
        Map<String, Integer> positions = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.address, a.target, d.name FROM aliases a"
                + " JOIN domains d ON d.id = a.domain_id ORDER BY a.address, a.id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String address = rs.getString(1);
                int position = positions.merge(address, 1, Integer::sum) - 1;
                Map<String, String> row = new LinkedHashMap<>();
                row.put("address", address);
                row.put("target", rs.getString(2));
                row.put("domain", rs.getString(3));
                row.put("position", Integer.toString(position));
                lines.add(RowChange.put(Table.ALIASES, row).text());
                n++;
            }
        }
        return n;
    }
}
