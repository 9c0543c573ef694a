package org.postkontor.badmail;

import java.time.Duration;
import java.util.Objects;
import org.postkontor.store.MailAddress;

/**
 * Badmail policy, validated once and then immutable. A bad value throws
 * {@link IllegalArgumentException} naming the key and what is allowed, so that the start stops.
 *
 * @param maxAge         {@code badmail.max-age}: items received longer ago than this are evicted
 *                       by {@link BadmailQueue#sweep()}; 1 minute to 10 years; default 30 days
 * @param maxTotalBytes  {@code badmail.max-total-bytes}: total size of all originals; past it the
 *                       oldest items are evicted, at admit time and by the sweep; 1 MiB to 16 TiB;
 *                       default 1 GiB. Keep it well above SMTP's maximum message size: the item
 *                       just admitted is never evicted by its own arrival, so the total can exceed
 *                       the cap by at most one message until the next arrival or sweep
 * @param maxHeaderBytes {@code badmail.show.max-header-bytes}: how much of an original
 *                       {@link BadmailQueue#show} reads looking for the end of the header block;
 *                       1 KiB to 1 MiB; default 256 KiB (RFC 5322 sets no limit on the header
 *                       section; this keeps show bounded however the original looks)
 * @param maxPageSize    {@code badmail.list.max-page-size}: the largest page
 *                       {@link BadmailQueue#list} returns; 1 to 10000; default 1000
 * @param hostName       {@code badmail.host-name}: the host named in the {@code Received:} line a
 *                       redelivered message gets (use SMTP's host name); default {@code localhost}
 * @param plusSeparator  the character that starts a plus-address tag when {@link BadmailQueue#redeliver}
 *                       resolves recipients (use SMTP's {@code plusSeparator}, or {@code 0} when SMTP
 *                       has plus-addressing off); default {@code '+'}
 */
public record BadmailConfig(Duration maxAge, long maxTotalBytes, int maxHeaderBytes, int maxPageSize,
                            String hostName, char plusSeparator) {

    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(30);
    public static final long DEFAULT_MAX_TOTAL_BYTES = 1L << 30;
    public static final int DEFAULT_MAX_HEADER_BYTES = 256 * 1024;
    public static final int DEFAULT_MAX_PAGE_SIZE = 1000;

    public static final Duration MIN_MAX_AGE = Duration.ofMinutes(1);
    public static final Duration MAX_MAX_AGE = Duration.ofDays(3653);
    public static final long MIN_TOTAL_BYTES = 1L << 20;
    public static final long MAX_TOTAL_BYTES = 1L << 44;

    public static final BadmailConfig DEFAULTS = new BadmailConfig(DEFAULT_MAX_AGE, DEFAULT_MAX_TOTAL_BYTES,
            DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_PAGE_SIZE, "localhost", '+');

    /** With plus-addressing by {@code '+'}. */
    public BadmailConfig(Duration maxAge, long maxTotalBytes, int maxHeaderBytes, int maxPageSize, String hostName) {
        this(maxAge, maxTotalBytes, maxHeaderBytes, maxPageSize, hostName, '+');
    }

    public BadmailConfig {
        Objects.requireNonNull(maxAge, "badmail.max-age");
        if (maxAge.compareTo(MIN_MAX_AGE) < 0 || maxAge.compareTo(MAX_MAX_AGE) > 0) {
            throw new IllegalArgumentException("badmail.max-age must be between 1 minute and 3653 days, was " + maxAge);
        }
        if (maxTotalBytes < MIN_TOTAL_BYTES || maxTotalBytes > MAX_TOTAL_BYTES) {
            throw new IllegalArgumentException("badmail.max-total-bytes must be between " + MIN_TOTAL_BYTES
                    + " (1 MiB) and " + MAX_TOTAL_BYTES + " (16 TiB), was " + maxTotalBytes);
        }
        if (maxHeaderBytes < 1024 || maxHeaderBytes > 1024 * 1024) {
            throw new IllegalArgumentException(
                    "badmail.show.max-header-bytes must be between 1024 and 1048576, was " + maxHeaderBytes);
        }
        if (maxPageSize < 1 || maxPageSize > 10_000) {
            throw new IllegalArgumentException("badmail.list.max-page-size must be between 1 and 10000, was " + maxPageSize);
        }
        try {
            hostName = new MailAddress("postmaster", Objects.requireNonNull(hostName, "badmail.host-name")).domain();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("badmail.host-name must be a domain name, was " + hostName);
        }
        if (plusSeparator != 0 && (plusSeparator <= ' ' || plusSeparator > '~' || plusSeparator == '@')) {
            throw new IllegalArgumentException("plus separator must be a printable ASCII character other than @, or 0 for off");
        }
    }

    public BadmailConfig withMaxAge(Duration value) {
        return new BadmailConfig(value, maxTotalBytes, maxHeaderBytes, maxPageSize, hostName, plusSeparator);
    }

    public BadmailConfig withMaxTotalBytes(long value) {
        return new BadmailConfig(maxAge, value, maxHeaderBytes, maxPageSize, hostName, plusSeparator);
    }

    public BadmailConfig withMaxHeaderBytes(int value) {
        return new BadmailConfig(maxAge, maxTotalBytes, value, maxPageSize, hostName, plusSeparator);
    }

    public BadmailConfig withMaxPageSize(int value) {
        return new BadmailConfig(maxAge, maxTotalBytes, maxHeaderBytes, value, hostName, plusSeparator);
    }

    public BadmailConfig withHostName(String value) {
        return new BadmailConfig(maxAge, maxTotalBytes, maxHeaderBytes, maxPageSize, value, plusSeparator);
    }

    public BadmailConfig withPlusSeparator(char value) {
        return new BadmailConfig(maxAge, maxTotalBytes, maxHeaderBytes, maxPageSize, hostName, value);
    }

    /**
     * For {@code deploy}: refuses a cap that one message of SMTP's maximum size could fill by
     * itself (the cap must hold at least two such messages).
     */
    public void requireRoomFor(long maxMessageSize) {
        if (maxMessageSize > 0 && maxTotalBytes / 2 < maxMessageSize) {
            throw new IllegalArgumentException("badmail.max-total-bytes (" + maxTotalBytes
                    + ") must be at least twice the SMTP maximum message size (" + maxMessageSize + ")");
        }
    }
}
