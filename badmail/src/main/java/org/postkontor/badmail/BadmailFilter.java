package org.postkontor.badmail;

import java.time.Duration;
import java.time.Instant;
import org.postkontor.store.BadmailStore.BadmailQuery;
import org.postkontor.store.MailAddress;

/**
 * Which items {@link BadmailQueue#list} and {@link BadmailQueue#purge} select; every field null
 * means any, and the fields combine with AND. Validated and normalized here, so that a CLI or HTTP
 * caller gets an {@link IllegalArgumentException} naming the field.
 *
 * @param kind      a reason kind ({@link ReasonKind}), e.g. {@code unknown_user}
 * @param recipient one of the failed recipients, normalized as {@link MailAddress} does
 * @param domain    the domain of one of the failed recipients, normalized
 * @param olderThan received at least this long ago (by the queue's clock)
 */
public record BadmailFilter(String kind, String recipient, String domain, Duration olderThan) {

    public static final BadmailFilter ALL = new BadmailFilter(null, null, null, null);

    public BadmailFilter {
        if (kind != null && !ReasonKind.isWellFormed(kind)) {
            throw new IllegalArgumentException("kind must be 1 to 32 characters a-z, 0-9 or _");
        }
        if (recipient != null) {
            try {
                recipient = MailAddress.parse(recipient).toString();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("recipient: " + e.getMessage());
            }
        }
        if (domain != null) {
            try {
                domain = new MailAddress("x", domain).domain();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("domain: " + e.getMessage());
            }
        }
        if (olderThan != null && olderThan.isNegative()) {
            throw new IllegalArgumentException("older-than must not be negative");
        }
    }

    public static BadmailFilter ofKind(String kind) {
        return ALL.withKind(kind);
    }

    public BadmailFilter withKind(String value) {
        return new BadmailFilter(value, recipient, domain, olderThan);
    }

    public BadmailFilter withRecipient(String value) {
        return new BadmailFilter(kind, value, domain, olderThan);
    }

    public BadmailFilter withDomain(String value) {
        return new BadmailFilter(kind, recipient, value, olderThan);
    }

    public BadmailFilter withOlderThan(Duration value) {
        return new BadmailFilter(kind, recipient, domain, value);
    }

    /**
     * The store query for this filter at {@code now}: received before the earlier of
     * {@code receivedBefore} (null for none) and {@code now} minus {@link #olderThan()}.
     */
    BadmailQuery query(Instant now, Instant receivedBefore, int offset, int limit) {
        Instant before = receivedBefore;
        if (olderThan != null) {
            Instant cutoff = now.minus(olderThan);
            before = before == null || cutoff.isBefore(before) ? cutoff : before;
        }
        return new BadmailQuery(kind, recipient, domain, before, offset, limit);
    }
}
