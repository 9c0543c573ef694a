package org.postkontor.smtp.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postkontor.badmail.BadmailIntake;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Receipt;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Resolution;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;

/**
 * In-memory Directory + Spool + BadmailIntake for protocol tests (the real store is used by the
 * end-to-end tests). Normalizes line ends like the real spool. Thread-safe by synchronization.
 */
public final class FakeStore implements Directory, Spool, BadmailIntake {

    public record Stored(List<MailAddress> mailboxes, byte[] bytes) {}

    public record BadItem(BadmailEnvelope envelope, BadmailReason reason, byte[] original) {}

    private final Map<String, RecipientPolicy> domains = new HashMap<>();
    private final Map<MailAddress, DeliveryCheck> users = new HashMap<>();
    private final Map<MailAddress, List<MailAddress>> aliases = new HashMap<>();
    private final Set<MailAddress> dangling = new HashSet<>();
    private final List<Stored> stored = new ArrayList<>();
    private final List<BadItem> badmail = new ArrayList<>();
    private volatile StoreException failDeliveries;
    private int nextId = 1;

    /** The fixture every transcript starts from (see transcripts/README). */
    public static FakeStore standard() {
        FakeStore s = new FakeStore();
        s.domain("example.test", new RecipientPolicy.Reject());
        s.domain("catchall.test", new RecipientPolicy.CatchAll("postmaster"));
        s.domain("bad.test", new RecipientPolicy.Badmail());
        s.user("alice@example.test", DeliveryCheck.OK);
        s.user("bob@example.test", DeliveryCheck.OK);
        s.user("carol@example.test", DeliveryCheck.DISABLED);
        s.user("dave@example.test", DeliveryCheck.OVER_QUOTA);
        s.user("postmaster@catchall.test", DeliveryCheck.OK);
        s.user("erin@catchall.test", DeliveryCheck.OK);
        s.alias("team@example.test", "alice@example.test", "bob@example.test");
        s.alias("quota-team@example.test", "alice@example.test", "dave@example.test");
        s.dangling.add(MailAddress.parse("ghost@example.test"));
        return s;
    }

    public synchronized FakeStore domain(String d, RecipientPolicy p) {
        domains.put(MailAddress.normalizeDomain(d), p);
        return this;
    }

    public synchronized FakeStore user(String a, DeliveryCheck state) {
        users.put(MailAddress.parse(a), state);
        return this;
    }

    public synchronized FakeStore alias(String a, String... targets) {
        aliases.put(MailAddress.parse(a), java.util.Arrays.stream(targets).map(MailAddress::parse).toList());
        return this;
    }

    public void failDeliveries(StoreException e) {
        failDeliveries = e;
    }

    public synchronized List<Stored> stored() {
        return List.copyOf(stored);
    }

    public synchronized List<BadItem> badmail() {
        return List.copyOf(badmail);
    }

    @Override
    public synchronized boolean isHosted(String domain) {
        return domains.containsKey(MailAddress.normalizeDomain(domain));
    }

    @Override
    public synchronized Resolution resolve(MailAddress r) {
        RecipientPolicy p = domains.get(r.domain());
        if (p == null) {
            return new Resolution.NotHosted();
        }
        if (users.containsKey(r)) {
            return new Resolution.Local(List.of(r));
        }
        if (aliases.containsKey(r)) {
            return new Resolution.Local(aliases.get(r));
        }
        if (dangling.contains(r)) {
            return new Resolution.ToBadmail("dangling_alias");
        }
        return switch (p) {
            case RecipientPolicy.Reject x -> new Resolution.UnknownUser();
            case RecipientPolicy.CatchAll c -> new Resolution.Local(List.of(new MailAddress(c.localPart(), r.domain())));
            case RecipientPolicy.Badmail b -> new Resolution.ToBadmail("unknown_user");
        };
    }

    @Override
    public synchronized DeliveryCheck check(MailAddress mailbox, long sizeHint) {
        return users.getOrDefault(mailbox, DeliveryCheck.NO_SUCH_MAILBOX);
    }

    @Override
    public Receipt deliver(Collection<MailAddress> mailboxes, InputStream message) throws StoreException {
        byte[] bytes;
        try {
            bytes = normalize(message.readAllBytes());
        } catch (IOException e) {
            throw new StoreException("read failed", e);
        }
        StoreException fail = failDeliveries;
        if (fail != null) {
            throw fail;
        }
        synchronized (this) {
            Set<MailAddress> ok = new LinkedHashSet<>();
            Map<MailAddress, DeliveryCheck> refused = new HashMap<>();
            for (MailAddress m : mailboxes) {
                DeliveryCheck c = check(m, bytes.length);
                if (c == DeliveryCheck.OK) {
                    ok.add(m);
                } else {
                    refused.put(m, c);
                }
            }
            if (ok.isEmpty()) {
                return new Receipt("-", bytes.length, ok, refused);
            }
            stored.add(new Stored(List.copyOf(ok), bytes));
            return new Receipt("Q" + nextId++, bytes.length, ok, refused);
        }
    }

    @Override
    public Receipt deliver(MailAddress mailbox, String uidl, InputStream message) throws StoreException {
        return deliver(List.of(mailbox), message);
    }

    @Override
    public void admit(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException {
        try {
            byte[] b = original.readAllBytes();
            synchronized (this) {
                badmail.add(new BadItem(envelope, reason, b));
            }
        } catch (IOException e) {
            throw new StoreException("read failed", e);
        }
    }

    /** Lone LF or CR become CRLF, as the real spool does. */
    public static byte[] normalize(byte[] in) {
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
