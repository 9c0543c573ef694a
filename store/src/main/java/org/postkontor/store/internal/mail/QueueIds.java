package org.postkontor.store.internal.mail;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Globally unique queue ids, also used as UIDLs: {@code <millis, 11 hex>.<node nonce, 10
 * base32>.<counter, base36>}, e.g. {@code 19ac6e3f1a2.k3v9q2m7xa.1f}. The nonce is drawn at every
 * store start, so ids never repeat across restarts, clock steps backwards or index rebuilds; the
 * counter makes them unique within one run. At most 11+1+10+1+13 = 36 characters, all in
 * 0x21-0x7E (RFC 1939 §7 allows 70). Thread-safe.
 */
public final class QueueIds {

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private final Clock clock;
    private final String node;
    private final AtomicLong counter = new AtomicLong();

    public QueueIds(Clock clock) {
        this.clock = clock;
        SecureRandom r = new SecureRandom();
        char[] n = new char[10];
        for (int i = 0; i < n.length; i++) {
            n[i] = BASE32[r.nextInt(32)];
        }
        this.node = new String(n);
    }

    public String next() {
        String hex = Long.toHexString(Math.max(0, clock.millis()));
        StringBuilder b = new StringBuilder(36);
        for (int i = hex.length(); i < 11; i++) {
            b.append('0');
        }
        return b.append(hex).append('.').append(node).append('.')
                .append(Long.toString(counter.incrementAndGet(), 36)).toString();
    }
}
