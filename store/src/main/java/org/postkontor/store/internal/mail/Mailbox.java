package org.postkontor.store.internal.mail;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.postkontor.store.DeliveryCheck;

/**
 * One mailbox in the mail index: its entries oldest first, their total size (for quotas), and
 * the POP3 maildrop lock. Every method takes the mailbox's own lock, so a quota check and the
 * insert it allows are one step, and a maildrop snapshot is taken whole. A mailbox whose user was
 * removed with "keep mail" stays with its entries.
 */
final class Mailbox {

    /** One message in this mailbox. {@code uidl} is the body's queue id unless an import chose another. */
    record Entry(long id, Body body, String uidl) {}

    final String address;
    /** Octets of the {@code Delivered-To:} line served before each of its entries. */
    final int deliveredToLength;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long octets;
    /** UIDLs that are not their body's queue id (imports); null while there are none. */
    private Set<String> customUidls;
    private boolean held;

    Mailbox(String address) {
        this.address = address;
        this.deliveredToLength = deliveredTo(address).length;
    }

    /** The line served before the stored bytes of an entry in {@code mailbox}. */
    static byte[] deliveredTo(String mailbox) {
        return DeliveredTo.line(mailbox);
    }

    /** Octets of an entry of {@code body} here, as POP3 counts it. */
    long entryOctets(Body body) {
        return deliveredToLength + body.octets;
    }

    /**
     * Adds the entry if {@code limits} allow it with what the mailbox holds now, and if no entry
     * has its UIDL already (imports choose UIDLs).
     *
     * @return the verdict ({@code OK}: added), or null when the entry's UIDL is taken
     */
    DeliveryCheck tryAdd(Entry e, MailboxLimits limits) {
        lock.lock();
        try {
            if (!e.uidl().equals(e.body().queueId) && hasUidl(e.uidl())) {
                return null;
            }
            DeliveryCheck verdict = limits.accepts(entries.size(), octets, entryOctets(e.body()));
            if (verdict == DeliveryCheck.OK) {
                append(e);
            }
            return verdict;
        } finally {
            lock.unlock();
        }
    }

    /** Adds the entry with no quota check (the start-up build); false if its UIDL is taken. */
    boolean add(Entry e) {
        lock.lock();
        try {
            if (!e.uidl().equals(e.body().queueId) && hasUidl(e.uidl())) {
                return false;
            }
            append(e);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void append(Entry e) {
        if (!e.uidl().equals(e.body().queueId)) {
            if (customUidls == null) {
                customUidls = new HashSet<>();
            }
            customUidls.add(e.uidl());
        }
        entries.add(e);
        octets += entryOctets(e.body());
    }

    /** Is this UIDL an entry's here? */
    boolean hasUidl(String uidl) {
        lock.lock();
        try {
            if (customUidls != null && customUidls.contains(uidl)) {
                return true;
            }
            for (Entry e : entries) {
                if (e.uidl().equals(uidl)) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** The entries now, oldest first. */
    List<Entry> snapshot() {
        lock.lock();
        try {
            return List.copyOf(entries);
        } finally {
            lock.unlock();
        }
    }

    /** Removes the entries with these ids; returns those that were here (each at most once). */
    List<Entry> remove(Collection<Long> ids) {
        Set<Long> wanted = new HashSet<>(ids);
        List<Entry> removed = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (wanted.contains(e.id())) {
                    it.remove();
                    removed.add(e);
                    octets -= entryOctets(e.body());
                    if (customUidls != null && !e.uidl().equals(e.body().queueId)) {
                        customUidls.remove(e.uidl());
                    }
                }
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /** Number of entries and their octets. */
    Usage usage() {
        lock.lock();
        try {
            return new Usage(entries.size(), octets);
        } finally {
            lock.unlock();
        }
    }

    record Usage(long messages, long octets) {}

    /** Takes the maildrop lock; false if a session holds it. */
    boolean hold() {
        lock.lock();
        try {
            if (held) {
                return false;
            }
            held = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void unhold() {
        lock.lock();
        try {
            held = false;
        } finally {
            lock.unlock();
        }
    }
}
