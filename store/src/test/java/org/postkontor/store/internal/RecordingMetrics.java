package org.postkontor.store.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.postkontor.store.StoreMetrics;

/** Records what the store reports, for assertions. */
final class RecordingMetrics implements StoreMetrics {
    final Map<String, Integer> reconciled = new ConcurrentHashMap<>();
    final AtomicLong fsyncs = new AtomicLong();
    final AtomicLong groupCommits = new AtomicLong();
    final AtomicLong groupedDeliveries = new AtomicLong();
    final AtomicLong deliveredEntries = new AtomicLong();
    final AtomicLong expunged = new AtomicLong();

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

    int reconciled(String kind) {
        return reconciled.getOrDefault(kind, -1);
    }
}
