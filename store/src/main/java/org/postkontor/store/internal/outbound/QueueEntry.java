package org.postkontor.store.internal.outbound;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.store.OutboundQueue.Outcome;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.OutboundQueue.Recipient;
import org.postkontor.store.OutboundQueue.State;

/** One queued message's envelope and its recipients' states, in memory. Guarded by the queue's lock. */
final class QueueEntry {

    private final OutboundRecord record;
    private final long octets;
    private final List<Recipient> recipients;
    private boolean warned;
    private boolean removed;

    QueueEntry(OutboundRecord record, long octets) {
        this.record = record;
        this.octets = octets;
        this.recipients = new ArrayList<>();
        for (String r : record.recipients()) {
            recipients.add(new Recipient(r, State.PENDING, 0, record.arrived(), ""));
        }
    }

    private QueueEntry(QueueEntry from) {
        this.record = from.record;
        this.octets = from.octets;
        this.recipients = new ArrayList<>(from.recipients);
        this.warned = from.warned;
        this.removed = from.removed;
    }

    QueueEntry copy() {
        return new QueueEntry(this);
    }

    OutboundRecord record() {
        return record;
    }

    long octets() {
        return octets;
    }

    Recipient recipient(int i) {
        return recipients.get(i);
    }

    int size() {
        return recipients.size();
    }

    void set(int i, Recipient r) {
        recipients.set(i, r);
    }

    /** The first pending recipient with this address, or -1. */
    int pendingIndexOf(String address) {
        for (int i = 0; i < recipients.size(); i++) {
            Recipient r = recipients.get(i);
            if (r.state() == State.PENDING && r.address().equalsIgnoreCase(address)) {
                return i;
            }
        }
        return -1;
    }

    void apply(int i, Outcome o) {
        Recipient r = recipients.get(i);
        Instant next = o.state() == State.PENDING ? o.nextAttempt() : r.nextAttempt();
        recipients.set(i, new Recipient(r.address(), o.state(), r.attempts() + 1, next, o.reply()));
    }

    long pendingCount() {
        return recipients.stream().filter(r -> r.state() == State.PENDING).count();
    }

    void dueAt(Instant when) {
        for (int i = 0; i < recipients.size(); i++) {
            Recipient r = recipients.get(i);
            if (r.state() == State.PENDING) {
                recipients.set(i, new Recipient(r.address(), r.state(), r.attempts(), when, r.lastReply()));
            }
        }
    }

    boolean warned() {
        return warned;
    }

    void warned(boolean v) {
        warned = v;
    }

    boolean removed() {
        return removed;
    }

    void removed(boolean v) {
        removed = v;
    }

    QueuedMessage view() {
        return new QueuedMessage(record.id(), record.sender(), record.arrived(), octets, recipients, warned);
    }
}
