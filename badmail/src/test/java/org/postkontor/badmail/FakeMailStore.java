package org.postkontor.badmail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.Receipt;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Resolution;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;

/**
 * In-memory stand-in for the store's badmail storage, directory and spool, for unit tests of the
 * queue's policy. Thread-safe (one monitor). Hooks let a test slow calls down or make them fail.
 */
final class FakeMailStore implements BadmailStore, Directory, Spool {

    private record Stored(BadmailItem item, byte[] bytes, long seq) {}

    private final Map<String, Stored> items = new HashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final Set<String> domains = new HashSet<>();
    private final Map<String, RecipientPolicy> policies = new HashMap<>();
    private final Set<MailAddress> users = new HashSet<>();
    private final Set<MailAddress> disabled = new HashSet<>();
    private final Set<MailAddress> full = new HashSet<>();
    private final Map<MailAddress, List<MailAddress>> aliases = new HashMap<>();
    private final Map<MailAddress, List<byte[]>> mailboxes = new HashMap<>();

    /** Runs before every list/remove (outside the monitor): lets a test widen race windows. */
    volatile Runnable beforeListOrRemove = () -> {};
    /** How often totals() was called. */
    final java.util.concurrent.atomic.AtomicInteger totalsCalls = new java.util.concurrent.atomic.AtomicInteger();
    /** When set, remove() throws: a crash right after a redelivery committed. */
    volatile boolean removeFails;

    // ---------------------------------------------------------------- setup

    synchronized FakeMailStore domain(String domain, RecipientPolicy policy) {
        domains.add(domain);
        policies.put(domain, policy);
        return this;
    }

    synchronized FakeMailStore user(String address) {
        MailAddress a = MailAddress.parse(address);
        users.add(a);
        mailboxes.putIfAbsent(a, new ArrayList<>());
        return this;
    }

    synchronized FakeMailStore alias(String alias, String... targets) {
        aliases.put(MailAddress.parse(alias), java.util.Arrays.stream(targets).map(MailAddress::parse).toList());
        return this;
    }

    synchronized void disable(String address) {
        disabled.add(MailAddress.parse(address));
    }

    synchronized void fill(String address) {
        full.add(MailAddress.parse(address));
    }

    /** Messages delivered to a mailbox, as POP3 would serve them. */
    synchronized List<String> mailbox(String address) {
        return mailboxes.getOrDefault(MailAddress.parse(address), List.of()).stream()
                .map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    synchronized int size() {
        return items.size();
    }

    // ---------------------------------------------------------------- BadmailStore

    @Override
    public BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException {
        byte[] bytes = readAll(original);
        synchronized (this) {
            long n = seq.incrementAndGet();
            BadmailItem item = new BadmailItem("bm" + n, envelope, reason, bytes.length);
            items.put(item.id(), new Stored(item, bytes, n));
            return item;
        }
    }

    @Override
    public List<BadmailItem> list(BadmailQuery q) {
        beforeListOrRemove.run();
        synchronized (this) {
            List<BadmailItem> matching = items.values().stream()
                    .sorted(Comparator.comparing((Stored s) -> s.item().envelope().received()).thenComparing(Stored::seq))
                    .map(Stored::item)
                    .filter(i -> q.kind() == null || q.kind().equals(i.reason().kind()))
                    .filter(i -> q.recipient() == null || i.envelope().recipients().stream()
                            .anyMatch(r -> r.equalsIgnoreCase(q.recipient())))
                    .filter(i -> q.domain() == null || i.envelope().recipients().stream()
                            .anyMatch(r -> r.toLowerCase().endsWith("@" + q.domain())))
                    .filter(i -> q.receivedBefore() == null || i.envelope().received().isBefore(q.receivedBefore()))
                    .toList();
            int from = Math.min(q.offset(), matching.size());
            int to = q.limit() == 0 ? matching.size() : Math.min(matching.size(), from + q.limit());
            return List.copyOf(matching.subList(from, to));
        }
    }

    @Override
    public synchronized Optional<BadmailItem> get(String id) {
        return Optional.ofNullable(items.get(id)).map(Stored::item);
    }

    @Override
    public synchronized InputStream open(String id) throws StoreException {
        Stored s = items.get(id);
        if (s == null) {
            throw new NotFoundException("no badmail item " + id);
        }
        return new ByteArrayInputStream(s.bytes());
    }

    @Override
    public boolean remove(String id) throws StoreException {
        beforeListOrRemove.run();
        if (removeFails) {
            throw new StoreException("simulated crash before remove");
        }
        synchronized (this) {
            return items.remove(id) != null;
        }
    }

    @Override
    public synchronized BadmailTotals totals() {
        totalsCalls.incrementAndGet();
        long octets = items.values().stream().mapToLong(s -> s.item().octets()).sum();
        Optional<java.time.Instant> oldest = items.values().stream().map(s -> s.item().envelope().received())
                .min(Comparator.naturalOrder());
        return new BadmailTotals(items.size(), octets, oldest);
    }

    // ---------------------------------------------------------------- Directory

    @Override
    public synchronized boolean isHosted(String domain) {
        return domains.contains(MailAddress.normalizeDomain(domain));
    }

    @Override
    public synchronized Resolution resolve(MailAddress r) {
        if (!domains.contains(r.domain())) {
            return new Resolution.NotHosted();
        }
        if (users.contains(r)) {
            return new Resolution.Local(List.of(r));
        }
        if (aliases.containsKey(r)) {
            List<MailAddress> targets = aliases.get(r).stream().filter(users::contains).toList();
            return targets.isEmpty() ? new Resolution.ToBadmail("dangling_alias") : new Resolution.Local(targets);
        }
        return switch (policies.get(r.domain())) {
            case RecipientPolicy.Badmail b -> new Resolution.ToBadmail("unknown_user");
            case RecipientPolicy.CatchAll c -> new Resolution.Local(List.of(new MailAddress(c.localPart(), r.domain())));
            case RecipientPolicy.Reject x -> new Resolution.UnknownUser();
        };
    }

    // ---------------------------------------------------------------- Spool

    @Override
    public synchronized DeliveryCheck check(MailAddress mailbox, long sizeHint) {
        if (!users.contains(mailbox)) {
            return DeliveryCheck.NO_SUCH_MAILBOX;
        }
        if (disabled.contains(mailbox)) {
            return DeliveryCheck.DISABLED;
        }
        return full.contains(mailbox) ? DeliveryCheck.OVER_QUOTA : DeliveryCheck.OK;
    }

    @Override
    public Receipt deliver(Collection<MailAddress> targets, InputStream message) throws StoreException {
        byte[] body = crlf(readAll(message));
        synchronized (this) {
            Set<MailAddress> delivered = new java.util.LinkedHashSet<>();
            Map<MailAddress, DeliveryCheck> refused = new LinkedHashMap<>();
            for (MailAddress m : targets) {
                DeliveryCheck c = check(m, body.length);
                if (c == DeliveryCheck.OK) {
                    delivered.add(m);
                } else {
                    refused.put(m, c);
                }
            }
            for (MailAddress m : delivered) {
                byte[] line = ("Delivered-To: " + m + "\r\n").getBytes(StandardCharsets.UTF_8);
                byte[] entry = new byte[line.length + body.length];
                System.arraycopy(line, 0, entry, 0, line.length);
                System.arraycopy(body, 0, entry, line.length, body.length);
                mailboxes.get(m).add(entry);
            }
            return new Receipt("q" + seq.incrementAndGet(), body.length, delivered, refused);
        }
    }

    @Override
    public Receipt deliver(MailAddress mailbox, String uidl, InputStream message) throws StoreException {
        return deliver(List.of(mailbox), message);
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A lone LF or lone CR becomes CRLF, as the real spool does. */
    private static byte[] crlf(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 64);
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < in.length && in[i + 1] == '\n') {
                    i++;
                }
            } else if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }
}
