package org.postkontor.store.internal.accounts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postkontor.store.ScramCredential;

/**
 * The accounts as the mail paths read them (every RCPT, every delivery's quota check, every
 * login), without SQL: a copy of the domains, users and aliases in plain maps, built from every row
 * when the database opens and then changed by exactly the row images each write journals
 * ({@link AccountsDatabase#write} applies them after the commit, before the write returns, so the
 * next RCPT sees the change). Parsing and planning a query on every RCPT was a fifth of the
 * appliance's CPU per message. Thread-safe; a write's several rows become visible one by one.
 */
final class AccountsView {

    /** A user as the mail paths need it; {@code scram} is null when the user has no (valid) keys. */
    record User(String address, boolean enabled, long quotaBytes, long quotaMessages, String passwordHash,
                ScramCredential scram) {}

    private record Target(String address, int position) {}

    private final Map<String, String> policies = new ConcurrentHashMap<>();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    /** Alias address to its targets, each list replaced whole (never changed in place). */
    private final Map<String, List<Target>> aliases = new ConcurrentHashMap<>();

    /** The policy text of a hosted domain. */
    Optional<String> policy(String domain) {
        return Optional.ofNullable(policies.get(domain));
    }

    Optional<User> user(String address) {
        return Optional.ofNullable(users.get(address));
    }

    /** An alias's targets in the order given, empty if the address is no alias. */
    List<String> aliasTargets(String address) {
        List<Target> t = aliases.get(address);
        if (t == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(t.size());
        for (Target x : t) {
            out.add(x.address());
        }
        return out;
    }

    /** Applies one row as a write left it (see {@link RowChange}). */
    void apply(RowChange change) {
        Map<String, String> c = change.columns();
        switch (change.table()) {
            case DOMAINS -> {
                if (change.deleted()) {
                    policies.remove(c.get("name"));
                } else {
                    policies.put(c.get("name"), c.get("policy"));
                }
            }
            case USERS -> {
                if (change.deleted()) {
                    users.remove(c.get("address"));
                } else {
                    users.put(c.get("address"), new User(c.get("address"), Boolean.parseBoolean(c.get("enabled")),
                            Long.parseLong(c.get("quota_bytes")), Long.parseLong(c.get("quota_messages")),
                            c.get("password_hash"), scram(c)));
                }
            }
            case ALIASES -> {
                String address = c.get("address");
                String target = c.get("target");
                aliases.compute(address, (k, old) -> {
                    List<Target> next = new ArrayList<>(old == null ? List.of() : old);
                    next.removeIf(t -> t.address().equals(target));
                    if (!change.deleted()) {
                        next.add(new Target(target, Integer.parseInt(c.get("position"))));
                        next.sort(Comparator.comparingInt(Target::position));
                    }
                    return next.isEmpty() ? null : List.copyOf(next);
                });
            }
            case WEB_USERS -> {
                // not on a mail path: the web admin's sign-in reads its table
            }
        }
    }

    /**
     * Makes the view hold exactly these rows (puts of every row of every table): each is applied,
     * and what none of them names any more is removed.
     */
    void replaceAll(List<RowChange> rows) {
        Set<String> domains = new HashSet<>();
        Set<String> userKeys = new HashSet<>();
        Map<String, List<Target>> aliasLists = new HashMap<>();
        for (RowChange r : rows) {
            Map<String, String> c = r.columns();
            switch (r.table()) {
                case DOMAINS -> {
                    domains.add(c.get("name"));
                    apply(r);
                }
                case USERS -> {
                    userKeys.add(c.get("address"));
                    apply(r);
                }
                case ALIASES -> aliasLists.computeIfAbsent(c.get("address"), k -> new ArrayList<>())
                        .add(new Target(c.get("target"), Integer.parseInt(c.get("position"))));
                case WEB_USERS -> {
                    // not on a mail path
                }
            }
        }
        for (Map.Entry<String, List<Target>> e : aliasLists.entrySet()) {
            List<Target> next = new ArrayList<>(e.getValue());
            next.sort(Comparator.comparingInt(Target::position));
            aliases.put(e.getKey(), List.copyOf(next));
        }
        policies.keySet().retainAll(domains);
        users.keySet().retainAll(userKeys);
        aliases.keySet().retainAll(aliasLists.keySet());
    }

    private static ScramCredential scram(Map<String, String> c) {
        String salt = c.get("scram_salt");
        String iterations = c.get("scram_iterations");
        String stored = c.get("scram_stored_key");
        String server = c.get("scram_server_key");
        if (salt == null || iterations == null || stored == null || server == null) {
            return null;
        }
        try {
            HexFormat hex = HexFormat.of();
            return new ScramCredential(hex.parseHex(salt), Integer.parseInt(iterations), hex.parseHex(stored),
                    hex.parseHex(server));
        } catch (IllegalArgumentException e) {
            return null; // malformed keys count as none: the next plaintext login stores new ones
        }
    }
}
