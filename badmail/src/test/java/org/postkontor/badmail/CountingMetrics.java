package org.postkontor.badmail;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts every metrics call by a key such as {@code arrived:unknown_user} or {@code evicted:loop:age}. */
final class CountingMetrics implements BadmailMetrics {
    final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    long get(String key) {
        LongAdder a = counts.get(key);
        return a == null ? 0 : a.sum();
    }

    private void inc(String key) {
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    @Override
    public void arrived(String kind, long octets) {
        inc("arrived:" + kind);
    }

    @Override
    public void evicted(String kind, EvictionCause cause, long octets) {
        inc("evicted:" + kind + ":" + cause.label());
    }

    @Override
    public void redelivered(String kind) {
        inc("redelivered:" + kind);
    }

    @Override
    public void redeliveryFailed(String kind) {
        inc("redelivery_failed:" + kind);
    }

    @Override
    public void deleted(String kind) {
        inc("deleted:" + kind);
    }
}
