package org.postkontor.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * Regression for the login-burst stall the proof LoadTest found: hashing called from virtual
 * threads runs on the hasher's own platform threads, at most {@code threads} at once.
 */
class PlatformThreadHasherTest {

    @Test
    void virtualThreadCallersHashOnBoundedPlatformThreads() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        PasswordHasher slow = new Delegating() {
            @Override
            public boolean verify(String stored, char[] password) {
                threads.add((Thread.currentThread().isVirtual() ? "virtual:" : "") + Thread.currentThread().getName());
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                running.decrementAndGet();
                return plain.verify(stored, password);
            }
        };
        try (PlatformThreadHasher h = new PlatformThreadHasher(slow, 2)) {
            String stored = h.hash("pw".toCharArray());
            List<Thread> callers = new ArrayList<>();
            AtomicInteger ok = new AtomicInteger();
            for (int i = 0; i < 16; i++) {
                callers.add(Thread.ofVirtual().start(() -> {
                    if (h.verify(stored, "pw".toCharArray()) && !h.verify(stored, "no".toCharArray())) {
                        ok.incrementAndGet();
                    }
                }));
            }
            for (Thread t : callers) {
                assertTrue(t.join(Duration.ofSeconds(60)));
            }
            assertEquals(16, ok.get());
            assertTrue(peak.get() <= 2, "at most 2 at once, saw " + peak.get());
            assertFalse(threads.stream().anyMatch(n -> n.startsWith("virtual:")), threads.toString());
            assertTrue(threads.stream().allMatch(n -> n.startsWith("password-hasher-")), threads.toString());
        }
    }

    @Test
    void failuresOfTheDelegateReachTheCaller() {
        PasswordHasher broken = new Delegating() {
            @Override
            public String hash(char[] password) {
                throw new IllegalArgumentException("no");
            }
        };
        try (PlatformThreadHasher h = new PlatformThreadHasher(broken, 1)) {
            assertThrows(IllegalArgumentException.class, () -> h.hash("pw".toCharArray()));
        }
    }

    /** PlainTestHasher is final: a delegating base to override from. */
    private static class Delegating implements PasswordHasher {
        final PlainTestHasher plain = new PlainTestHasher();

        @Override
        public String hash(char[] password) {
            return plain.hash(password);
        }

        @Override
        public boolean verify(String stored, char[] password) {
            return plain.verify(stored, password);
        }

        @Override
        public boolean needsRehash(String stored) {
            return plain.needsRehash(stored);
        }

        @Override
        public String scheme(String stored) {
            return plain.scheme(stored);
        }
    }
}
