package org.postkontor.store.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for what another thread or process does, by polling a condition every 10 ms up to a bound,
 * instead of sleeping a fixed time and hoping. Shared through the store's test-jar.
 */
public final class Await {
    private Await() {}

    /** Returns as soon as {@code condition} holds; fails the test naming {@code what} after {@code limit}. */
    public static void until(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("waited " + limit.toMillis() + " ms for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
    }
}
