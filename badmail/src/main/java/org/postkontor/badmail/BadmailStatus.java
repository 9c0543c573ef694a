package org.postkontor.badmail;

import java.time.Duration;
import java.util.Optional;

/**
 * Gauges for {@code status} and Prometheus.
 *
 * @param items         items in the queue
 * @param octets        total size of their originals
 * @param oldestAge     how long ago the oldest item was received (empty when the queue is empty)
 * @param maxTotalBytes the configured cap, for a fill ratio
 */
public record BadmailStatus(long items, long octets, Optional<Duration> oldestAge, long maxTotalBytes) {}
