package org.postkontor.deploy;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.postkontor.store.PasswordHasher;

/**
 * Runs {@link #hash} and {@link #verify} of a slow-on-purpose hasher (Argon2id: ~19 MiB and tens
 * of milliseconds of CPU each) on a few platform threads, the caller waiting. SMTP and POP3
 * sessions run on virtual threads, which the JVM never preempts: a burst of logins hashing on
 * them held every carrier thread, and SMTP sessions, their timeouts included, stalled for seconds
 * (found by the proof LoadTest: 5 s command timeouts firing after 16 s, normal sessions cut off).
 * Here a waiting virtual thread parks and frees its carrier, the OS shares the CPU between hashing
 * and sessions, and at most {@code threads} hashes (and their memory) are in progress at once.
 * Close to stop the threads.
 */
final class PlatformThreadHasher implements PasswordHasher, AutoCloseable {

    private final PasswordHasher delegate;
    private final ExecutorService pool;

    PlatformThreadHasher(PasswordHasher delegate, int threads) {
        this.delegate = delegate;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads,
                r -> Thread.ofPlatform().daemon().name("password-hasher-" + n.incrementAndGet()).unstarted(r));
    }

    @Override
    public String hash(char[] password) {
        return offload(() -> delegate.hash(password));
    }

    @Override
    public boolean verify(String stored, char[] password) {
        return offload(() -> delegate.verify(stored, password));
    }

    @Override
    public boolean needsRehash(String stored) {
        return delegate.needsRehash(stored);
    }

    @Override
    public String scheme(String stored) {
        return delegate.scheme(stored);
    }

    private <T> T offload(Supplier<T> work) {
        Future<T> f = pool.submit(work::get);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing a password", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
