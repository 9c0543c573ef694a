package org.postkontor.submit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-user counts of messages and recipients in the last hour, in memory only (a restart forgets
 * them, which costs at most one more hour's worth). A sliding window: each user keeps at most its
 * limit of timestamps, so memory is bounded. Thread-safe.
 */
final class RateLimits {

    static final Duration WINDOW = Duration.ofHours(1);

    private final Clock clock;
    private final Map<String, Deque<Long>> messages = new HashMap<>();
    private final Map<String, Deque<Long>> recipients = new HashMap<>();
    private final int maxMessages;
    private final int maxRecipients;

    RateLimits(Clock clock, int maxMessages, int maxRecipients) {
        this.clock = clock;
        this.maxMessages = maxMessages;
        this.maxRecipients = maxRecipients;
    }

    /** Counts one message for the user if the limit allows it; false if it does not (nothing counted). */
    synchronized boolean message(String user) {
        return take(messages, user, maxMessages);
    }

    synchronized boolean recipient(String user) {
        return take(recipients, user, maxRecipients);
    }

    private boolean take(Map<String, Deque<Long>> counts, String user, int max) {
        long now = clock.millis();
        long from = now - WINDOW.toMillis();
        Deque<Long> d = counts.computeIfAbsent(user, k -> new ArrayDeque<>());
        while (!d.isEmpty() && d.peekFirst() <= from) {
            d.pollFirst();
        }
        if (d.size() >= max) {
            return false;
        }
        d.addLast(now);
        if (counts.size() > 10_000) {
            counts.values().removeIf(q -> q.isEmpty() || q.peekLast() <= from);
        }
        return true;
    }
}
