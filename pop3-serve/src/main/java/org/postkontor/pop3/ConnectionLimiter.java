package org.postkontor.pop3;

import java.util.HashMap;
import java.util.Map;

/** Open connections in all and per client address. Thread-safe. */
public final class ConnectionLimiter {

    /** Why a connection was refused, or null when it was admitted. */
    public enum Refusal { MAX_CONNECTIONS, MAX_PER_ADDRESS }

    private final int max;
    private final int perAddress;
    private final Map<String, Integer> open = new HashMap<>();
    private int total;

    public ConnectionLimiter(int max, int perAddress) {
        this.max = max;
        this.perAddress = perAddress;
    }

    /** Admits a connection (the caller then must {@link #release}) or says why not. */
    public synchronized Refusal tryAcquire(String address) {
        if (total >= max) {
            return Refusal.MAX_CONNECTIONS;
        }
        int n = open.getOrDefault(address, 0);
        if (n >= perAddress) {
            return Refusal.MAX_PER_ADDRESS;
        }
        open.put(address, n + 1);
        total++;
        return null;
    }

    public synchronized void release(String address) {
        Integer n = open.get(address);
        if (n == null) {
            return;
        }
        if (n <= 1) {
            open.remove(address);
        } else {
            open.put(address, n - 1);
        }
        total--;
    }

    public synchronized int total() {
        return total;
    }
}
