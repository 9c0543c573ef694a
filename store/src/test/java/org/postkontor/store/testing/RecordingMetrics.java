package org.postkontor.store.testing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.store.StoreMetrics;

/** Records what the store reports, for assertions. */
public final class RecordingMetrics implements StoreMetrics {
    public final Map<String, Integer> reconciled = new ConcurrentHashMap<>();
    public final AtomicLong fsyncs = new AtomicLong();
    public final AtomicLong groupCommits = new AtomicLong();
    public final AtomicLong groupedDeliveries = new AtomicLong();
    public final AtomicLong deliveredEntries = new AtomicLong();
    public final AtomicLong expunged = new AtomicLong();

    @Override
    public void fsync(Duration took) {
        fsyncs.incrementAndGet();
    }

    @Override
    public void groupCommit(int deliveries) {
        groupCommits.incrementAndGet();
        groupedDeliveries.addAndGet(deliveries);
    }

    @Override
    public void delivered(int entries, long octets) {
        deliveredEntries.addAndGet(entries);
    }

    @Override
    public void expunged(int entries) {
        expunged.addAndGet(entries);
    }

    @Override
    public void reconciled(String kind, int count) {
        reconciled.put(kind, count);
    }

    public int reconciled(String kind) {
        return reconciled.getOrDefault(kind, -1);
    }
}
