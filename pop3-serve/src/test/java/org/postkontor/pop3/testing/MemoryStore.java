package org.postkontor.pop3.testing;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.store.Accounts;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.MaildropStore;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.StoreException;

/**
 * In-memory {@link MaildropStore} and {@link Accounts} for unit tests: the same contract as the
 * real store (exclusive lock, snapshot listing, Delivered-To line counted in the octets, all-or-none
 * expunge), with failure injection.
 */
public final class MemoryStore implements MaildropStore, Accounts {

    private record Msg(long id, String uidl, byte[] bytes, Instant arrived) {}

    private final class User {
        final String password;
        final ScramCredential scram;
        final List<Msg> messages = new ArrayList<>();

        User(String password) {
            this.password = password;
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            this.scram = ScramCredential.derive(password.toCharArray(), salt, ScramCredential.DEFAULT_ITERATIONS);
        }
    }

    private final Map<MailAddress, User> users = new LinkedHashMap<>();
    private final Set<MailAddress> locked = new HashSet<>();
    private final AtomicLong ids = new AtomicLong();
    private final Clock clock;
    public volatile boolean failExpunge;
    public volatile boolean failOpen;
    public volatile boolean failAuthenticate;

    public MemoryStore(Clock clock) {
        this.clock = clock;
    }

    public synchronized MailAddress addUser(String address, String password) {
        MailAddress a = MailAddress.parse(address);
        users.put(a, new User(password));
        return a;
    }

    /** Stores {@code message} with a Delivered-To line in front, as the real spool serves it. */
    public synchronized String deliver(MailAddress to, byte[] message, Instant arrived) {
        byte[] dt = ("Delivered-To: " + to + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(dt, dt.length + message.length);
        System.arraycopy(message, 0, all, dt.length, message.length);
        long id = ids.incrementAndGet();
        String uidl = "m" + Long.toString(id, 36) + "x";
        users.get(to).messages.add(new Msg(id, uidl, all, arrived));
        return uidl;
    }

    public String deliver(MailAddress to, byte[] message) {
        return deliver(to, message, clock.instant());
    }

    public synchronized int count(MailAddress who) {
        return users.get(who).messages.size();
    }

    public synchronized boolean isLocked(MailAddress who) {
        return locked.contains(who);
    }

    @Override
    public synchronized Optional<MailAddress> authenticate(String login, char[] password) throws StoreException {
        if (failAuthenticate) {
            throw new StoreException("injected");
        }
        MailAddress a;
        try {
            a = MailAddress.parse(login);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        User u = users.get(a);
        return u != null && u.password.equals(new String(password)) ? Optional.of(a) : Optional.empty();
    }

    @Override
    public synchronized Optional<ScramCredential> scramCredential(String login) {
        try {
            User u = users.get(MailAddress.parse(login));
            return u == null ? Optional.empty() : Optional.of(u.scram);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized Optional<MailAddress> mailboxOf(String login) {
        try {
            MailAddress a = MailAddress.parse(login);
            return users.containsKey(a) ? Optional.of(a) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized Maildrop open(MailAddress mailbox) throws StoreException {
        if (failOpen) {
            throw new StoreException("injected");
        }
        User u = users.get(mailbox);
        if (u == null) {
            throw new NoSuchMailboxException(mailbox.toString());
        }
        if (!locked.add(mailbox)) {
            throw new MailboxInUseException(mailbox.toString());
        }
        List<MaildropEntry> listing = new ArrayList<>();
        Map<Long, byte[]> bodies = new LinkedHashMap<>();
        for (Msg m : u.messages) {
            listing.add(new MaildropEntry(m.id, m.uidl, m.bytes.length, m.arrived));
            bodies.put(m.id, m.bytes);
        }
        return new Maildrop() {
            boolean closed;
            boolean expunged;

            @Override
            public MailAddress mailbox() {
                return mailbox;
            }

            @Override
            public List<MaildropEntry> listing() {
                return List.copyOf(listing);
            }

            @Override
            public boolean readsWithoutWaiting() {
                return true; // bodies in memory
            }

            @Override
            public InputStream open(MaildropEntry entry) {
                return new ByteArrayInputStream(bodies.get(entry.id()));
            }

            @Override
            public void expunge(Set<MaildropEntry> entries) throws StoreException {
                if (closed || expunged) {
                    throw new IllegalStateException("expunge after close or twice");
                }
                if (failExpunge) {
                    throw new StoreException("injected");
                }
                expunged = true;
                synchronized (MemoryStore.this) {
                    Set<Long> gone = new HashSet<>();
                    entries.forEach(e -> gone.add(e.id()));
                    u.messages.removeIf(m -> gone.contains(m.id));
                }
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    synchronized (MemoryStore.this) {
                        locked.remove(mailbox);
                    }
                }
            }
        };
    }
}
