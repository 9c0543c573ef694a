package org.postkontor.store.internal.badmail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.BadmailStore.BadmailTotals;
import org.postkontor.store.MailAddress;

/**
 * The badmail items in memory, oldest first: built from the items' files at every start
 * ({@link BadmailFiles#scan}), changed after the files are. Badmail is small (capped by size and age
 * in the badmail module), so a listing filters in memory. Thread-safe.
 */
final class BadmailIndex {

    private record Key(Instant received, String id) {}

    private static final Comparator<Key> ORDER = Comparator.comparing(Key::received).thenComparing(Key::id);

    private final ConcurrentSkipListMap<Key, BadmailItem> byAge = new ConcurrentSkipListMap<>(ORDER);
    private final Map<String, Key> byId = new ConcurrentHashMap<>();
    private final LongAdder octets = new LongAdder();

    void add(BadmailItem item) {
        Key k = new Key(item.envelope().received(), item.id());
        if (byId.putIfAbsent(item.id(), k) == null) {
            byAge.put(k, item);
            octets.add(item.octets());
        }
    }

    /** Removes the item; false if it was not there (a concurrent remove won). */
    boolean remove(String id) {
        Key k = byId.remove(id);
        if (k == null) {
            return false;
        }
        BadmailItem item = byAge.remove(k);
        if (item != null) {
            octets.add(-item.octets());
        }
        return true;
    }

    Optional<BadmailItem> get(String id) {
        Key k = byId.get(id);
        return k == null ? Optional.empty() : Optional.ofNullable(byAge.get(k));
    }

    List<BadmailItem> list(BadmailQuery q) {
        String recipient = recipientOf(q);
        String domain = domainOf(q);
        List<BadmailItem> out = new ArrayList<>();
        int skip = q.offset();
        for (BadmailItem item : byAge.values()) {
            if (q.receivedBefore() != null && !item.envelope().received().isBefore(q.receivedBefore())) {
                break; // oldest first: none after this one is older
            }
            if (!matches(item, q.kind(), recipient, domain)) {
                continue;
            }
            if (skip > 0) {
                skip--;
                continue;
            }
            out.add(item);
            if (q.limit() > 0 && out.size() == q.limit()) {
                break;
            }
        }
        return out;
    }

    /**
     * Does the item match the query's kind, recipient ({@link #bare}, lower case) and domain
     * (normalized)? A null criterion matches every item.
     */
    static boolean matches(BadmailItem item, String kind, String recipient, String domain) {
        if (kind != null && !kind.equals(item.reason().kind())) {
            return false;
        }
        if (recipient != null && item.envelope().recipients().stream()
                .noneMatch(r -> bare(r).toLowerCase(Locale.ROOT).equals(recipient))) {
            return false;
        }
        return domain == null || item.envelope().recipients().stream().anyMatch(r -> domainOf(r).equals(domain));
    }

    /** The query's recipient as {@link #matches} takes it, or null. */
    static String recipientOf(BadmailQuery q) {
        return q.recipient() == null ? null : bare(q.recipient()).toLowerCase(Locale.ROOT);
    }

    /** The query's domain as {@link #matches} takes it, or null. */
    static String domainOf(BadmailQuery q) {
        return q.domain() == null ? null : MailAddress.normalizeDomain(q.domain().strip());
    }

    BadmailTotals totals() {
        Map.Entry<Key, BadmailItem> first = byAge.firstEntry();
        return new BadmailTotals(byId.size(), octets.sum(),
                first == null ? Optional.empty() : Optional.of(first.getKey().received()));
    }

    /** The address without angle brackets or surrounding blanks. */
    static String bare(String address) {
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
        return at < 0 ? "" : MailAddress.normalizeDomain(a.substring(at + 1));
    }
}
