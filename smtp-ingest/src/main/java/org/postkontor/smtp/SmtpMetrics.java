package org.postkontor.smtp;

import java.time.Duration;

/**
 * What the SMTP listener reports; bound to Prometheus in {@code deploy} (names in
 * the Metrics section of README.md). Every method has a no-op default and is called from session threads,
 * concurrently: implementations must be thread-safe and must not block. Labels are fixed enums,
 * never an address or a user.
 */
public interface SmtpMetrics {

    SmtpMetrics NOOP = new SmtpMetrics() {};

    /** A session passed the connection limits and got its greeting. */
    default void connectionOpened() {}

    /** A session that {@link #connectionOpened() opened} ended (QUIT, drop, timeout, stop). */
    default void connectionClosed() {}

    /** A mail transaction (MAIL FROM up to the reply to DATA or the last BDAT) ended this way. */
    default void transaction(Result result) {}

    /** A command, recipient, message or connection was refused for this reason. */
    default void rejection(Reason reason) {}

    /** Octets of message data (after dot-unstuffing) received in an accepted transaction. */
    default void bytesReceived(long octets) {}

    /** A recipient was accepted (RCPT answered 250). */
    default void recipientAccepted() {}

    /** End of DATA (or of the last BDAT chunk) until the 250 reply: the durable-accept latency. */
    default void acceptLatency(Duration took) {}

    /** An accepted message (or some of its recipients) went to the badmail queue. */
    default void badmailHandover() {}

    /** A STARTTLS handshake completed with this protocol ({@code TLSv1.3}, {@code TLSv1.2}). */
    default void tlsHandshake(String protocol) {}

    /** A STARTTLS handshake failed. */
    default void tlsHandshakeFailed() {}

    /** The content filter's verdict on one message, as Postkontor acted on it. */
    default void filterResult(FilterResult result) {}

    /** The content filter gave no verdict, for this reason. */
    default void filterError(org.postkontor.smtp.filter.FilterException.Kind kind) {}

    /** How long one scan took (also when it failed). */
    default void filterLatency(Duration took) {}

    /** One DNSBL check of a connecting client (all zones together). */
    default void dnsblCheck(DnsblResult result) {}

    /** What Postkontor did with a message after the content filter looked at it (or could not). */
    enum FilterResult {
        /** Delivered, rspamd had nothing to say ({@code no action}, {@code greylist}). */
        CLEAN,
        /** Delivered with spam headers or a rewritten subject. */
        TAGGED,
        /** Went to the badmail queue with reason {@code spam}. */
        QUARANTINED,
        /** 451 because rspamd said soft reject (greylisting, rate limit). */
        DEFERRED,
        /** 550 because rspamd said reject. */
        REJECTED,
        /** 554 because a virus rule matched. */
        VIRUS,
        /** 451 because there was no verdict ({@code filter.on-error=tempfail}). */
        TEMPFAILED,
        /** Delivered without a verdict ({@code filter.on-error=accept}). */
        NOT_SCANNED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The outcome of a DNSBL check. */
    enum DnsblResult {
        /** Listed in at least one zone. */
        LISTED,
        /** Listed nowhere. */
        NOT_LISTED,
        /** On the allow-list: not looked up. */
        ALLOWED,
        /** Every zone failed to answer in time: treated as not listed. */
        ERROR;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How a mail transaction ended. */
    enum Result {
        /** 250 after the store's durable accept. */
        ACCEPTED,
        /** A 5xx reply ended it. */
        REJECTED,
        /** A 4xx reply ended it, or the client went away. */
        TEMPFAIL;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Why something was refused: a fixed set, usable as a metrics label. */
    enum Reason {
        RELAY_DENIED, UNKNOWN_USER, MAILBOX_DISABLED, OVER_QUOTA, INSUFFICIENT_STORAGE,
        MESSAGE_TOO_BIG, TOO_MANY_RECIPIENTS, SYNTAX, BAD_SEQUENCE, TOO_MANY_CONNECTIONS, TIMEOUT,
        LOOP, STORE_ERROR, TOO_MANY_ERRORS, SPAM, VIRUS, FILTER_DEFERRED, FILTER_UNAVAILABLE, DNSBL, OTHER;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
