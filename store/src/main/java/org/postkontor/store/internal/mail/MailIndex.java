package org.postkontor.store.internal.mail;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The mail index: every body in the spool and every mailbox's entries, in memory. It is a cache
 * of the spool (bodies with their header records, and the removal log), built at every start by
 * {@link SpoolLoader} and changed only after the spool has recorded a change durably: an entry is
 * added once its body is durable at its final path, removed once the removal log holds its line.
 * Nothing here is written to disk on the delivery path; {@link SpoolCatalog} saves the bodies'
 * records now and then so that a start reads only the bodies that came since. Thread-safe.
 */
final class MailIndex {

    private final ConcurrentHashMap<String, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Body> bodies = new ConcurrentHashMap<>();
    /** One instance of each mailbox address and hour directory name, shared by every body naming it. */
    private final ConcurrentHashMap<String, String> strings = new ConcurrentHashMap<>();
    private final AtomicLong nextEntryId = new AtomicLong();
    private final LongAdder bodyOctets = new LongAdder();
    /** Counts bodies added and removed: a catalog is due when it moved since the last one. */
    private final AtomicLong changes = new AtomicLong();

    /** The mailbox, created empty if the index has none yet. */
    Mailbox mailbox(String address) {
        Mailbox m = mailboxes.get(address);
        return m != null ? m : mailboxes.computeIfAbsent(canonical(address), Mailbox::new);
    }

    Optional<Mailbox> find(String address) {
        return Optional.ofNullable(mailboxes.get(address));
    }

    Collection<Mailbox> mailboxes() {
        return mailboxes.values();
    }

    /** The shared instance of a mailbox address or hour name. */
    String canonical(String s) {
        String have = strings.putIfAbsent(s, s);
        return have != null ? have : s;
    }

    Mailbox.Entry newEntry(Body body, String uidl) {
        return new Mailbox.Entry(nextEntryId.incrementAndGet(), body, uidl);
    }

    void addBody(Body b) {
        if (bodies.putIfAbsent(b.queueId, b) != null) {
            throw new IllegalStateException("body " + b.queueId + " is indexed already");
        }
        bodyOctets.add(b.octets);
        changes.incrementAndGet();
    }

    void removeBody(Body b) {
        if (bodies.remove(b.queueId, b)) {
            bodyOctets.add(-b.octets);
            changes.incrementAndGet();
        }
    }

    Body body(String queueId) {
        return bodies.get(queueId);
    }

    /** Every indexed body; a weakly consistent view (bodies added or removed meanwhile may show or not). */
    Collection<Body> bodies() {
        return bodies.values();
    }

    long changes() {
        return changes.get();
    }

    /** Messages (bodies), entries and the bodies' octets. */
    Totals totals() {
        long entries = 0;
        for (Mailbox m : mailboxes.values()) {
            entries += m.usage().messages();
        }
        return new Totals(bodies.size(), entries, bodyOctets.sum());
    }

    record Totals(long messages, long entries, long octets) {}
}
