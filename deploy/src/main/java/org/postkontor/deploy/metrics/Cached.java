package org.postkontor.deploy.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A value read at most once per {@code ttl}, so that one scrape reading several gauges of the same
 * totals queries the index once. Empty while the source fails. Thread-safe.
 */
public final class Cached<T> implements Supplier<Optional<T>> {

    /** A source that may fail; its failure makes the gauges read NaN until it recovers. */
    @FunctionalInterface
    public interface Source<T> {
        T read() throws Exception;
    }

    private final Source<T> source;
    private final Clock clock;
    private final Duration ttl;
    private Instant readAt;
    private Optional<T> value = Optional.empty();

    public Cached(Source<T> source, Clock clock, Duration ttl) {
        this.source = source;
        this.clock = clock;
        this.ttl = ttl;
    }

    @Override
    public synchronized Optional<T> get() {
        Instant now = clock.instant();
        if (readAt == null || !now.isBefore(readAt.plus(ttl))) {
            readAt = now;
            try {
                value = Optional.ofNullable(source.read());
            } catch (Exception e) {
                value = Optional.empty();
            }
        }
        return value;
    }
}
