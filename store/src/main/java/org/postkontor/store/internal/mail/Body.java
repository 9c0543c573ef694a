package org.postkontor.store.internal.mail;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One body file in the spool, as the mail index keeps it: what its header record says and how many
 * index entries (plus the delivery still deciding, see {@link FileSpool}, and each open reader, see
 * {@link IndexMaildropStore}) refer to it. Everything
 * but the reference count is immutable; {@link #release} returns the count left, and whoever
 * brings it to 0 hands the body to the {@link BodyReaper}.
 *
 * <p>Kept small, since there is one per stored message (about 100 bytes with its queue id):
 * mailbox strings are shared with the index's, the UIDL is the queue id unless the record names
 * another one (imports), and the path is derived ({@code msg/<hour>/<queue id>}).
 */
final class Body {

    private static final AtomicIntegerFieldUpdater<Body> REFS =
            AtomicIntegerFieldUpdater.newUpdater(Body.class, "refs");

    final String queueId;
    /** The hour directory the file is in (a shared string). */
    final String hour;
    final long arrivedMillis;
    /** Length of the header record: the message bytes start here. */
    final int headerLength;
    /** Octets of the message (CRLF line ends), without the header record. */
    final long octets;
    /** Every mailbox the record names, removed or not (shared strings). */
    final String[] recorded;
    /** The record's UIDL per recorded mailbox, or null when every one is the queue id. */
    final String[] uidls;
    private volatile int refs;

    Body(String queueId, String hour, long arrivedMillis, int headerLength, long octets, String[] recorded,
         String[] uidls) {
        if (uidls != null && uidls.length != recorded.length) {
            throw new IllegalArgumentException("one UIDL per recorded mailbox");
        }
        this.queueId = queueId;
        this.hour = hour;
        this.arrivedMillis = arrivedMillis;
        this.headerLength = headerLength;
        this.octets = octets;
        this.recorded = recorded;
        this.uidls = uidls;
    }

    /** Relative path under the spool directory. */
    String path() {
        return SpoolLayout.MSG + "/" + hour + "/" + queueId;
    }

    Instant arrived() {
        return Instant.ofEpochMilli(arrivedMillis);
    }

    /** The UIDL of this body's entry in the {@code i}-th recorded mailbox. */
    String uidl(int i) {
        return uidls == null ? queueId : uidls[i];
    }

    /** The recorded entries, as the header record lists them. */
    List<SpoolRecord.Entry> entries() {
        SpoolRecord.Entry[] out = new SpoolRecord.Entry[recorded.length];
        for (int i = 0; i < recorded.length; i++) {
            out[i] = new SpoolRecord.Entry(recorded[i], uidl(i));
        }
        return List.of(out);
    }

    /** Sets the reference count before the body is visible anywhere. */
    void retain(int n) {
        REFS.addAndGet(this, n);
    }

    /**
     * Takes one more reference (an open reader's) if the body still has any; false if it has none
     * left, so that it is being deleted.
     */
    boolean tryRetain() {
        while (true) {
            int n = refs;
            if (n <= 0) {
                return false;
            }
            if (REFS.compareAndSet(this, n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops one reference; returns how many are left. */
    int release() {
        int left = REFS.decrementAndGet(this);
        if (left < 0) {
            throw new IllegalStateException("body " + queueId + " released once too often");
        }
        return left;
    }

    int refs() {
        return refs;
    }
}
