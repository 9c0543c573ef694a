package org.postkontor.smtp.filter;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Whether and how the SMTP listener filters inbound mail: the filter, and what Postkontor does
 * with its verdicts. {@link #OFF} (no filter) is the embedded default.
 *
 * @param filter          the filter; null = off
 * @param onError         what happens to a message when the filter gives no verdict
 * @param quarantineScore from this score on, a message rspamd would let through goes to the
 *                        badmail queue (reason {@code spam}) instead of the mailboxes; empty = off
 * @param virusSymbols    rule names that mean "virus" (554 5.7.1), e.g. rspamd's {@code CLAM_VIRUS}
 */
public record Filtering(MessageFilter filter, OnError onError, OptionalDouble quarantineScore,
                        Set<String> virusSymbols) {

    /** No filtering. */
    public static final Filtering OFF = new Filtering(null, OnError.TEMPFAIL, OptionalDouble.empty(), Set.of());

    public Filtering {
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(quarantineScore, "quarantineScore");
        virusSymbols = Set.copyOf(virusSymbols);
    }

    public boolean enabled() {
        return filter != null;
    }

    /** What happens to a message the filter could not scan (down, too slow, nonsense answer). */
    public enum OnError {
        /** 451 4.7.1: the sending server keeps the message and retries later. */
        TEMPFAIL,
        /** Accepted with an {@code X-Postkontor-Filter: not scanned} header. */
        ACCEPT
    }
}
