package org.postkontor.badmail;

import java.util.Set;

/**
 * The fixed words of {@link org.postkontor.store.BadmailStore.BadmailReason#kind()}: why an item
 * is in badmail. They double as metrics labels, so anything else is counted as {@link #OTHER}.
 */
public final class ReasonKind {

    /** Unknown local part of a domain whose policy is {@code badmail}. */
    public static final String UNKNOWN_USER = "unknown_user";
    /** An alias whose target no longer exists. */
    public static final String DANGLING_ALIAS = "dangling_alias";
    /** The mailbox went over quota between RCPT and delivery. */
    public static final String MAILBOX_FULL = "mailbox_full";
    /** The user was disabled between RCPT and delivery. */
    public static final String MAILBOX_DISABLED = "mailbox_disabled";
    /** The store refused the delivery for a permanent reason (e.g. the mailbox was removed). */
    public static final String STORE_PERMANENT = "store_permanent";
    /** Too many hops, detected after the message was accepted. */
    public static final String LOOP = "loop";
    /** The content filter scored it as spam and Postkontor quarantined it (filter.quarantine-score). */
    public static final String SPAM = "spam";
    /** Metrics label for a kind not listed here. */
    public static final String OTHER = "other";

    public static final Set<String> KNOWN =
            Set.of(UNKNOWN_USER, DANGLING_ALIAS, MAILBOX_FULL, MAILBOX_DISABLED, STORE_PERMANENT, LOOP, SPAM);

    private ReasonKind() {}

    /** The kind itself if it is one of {@link #KNOWN}, else {@link #OTHER}: bounded label values. */
    public static String label(String kind) {
        return kind != null && KNOWN.contains(kind) ? kind : OTHER;
    }

    /** A kind as a filter or a reason may name it: 1 to 32 of {@code a-z}, {@code 0-9}, {@code _}. */
    public static boolean isWellFormed(String kind) {
        if (kind == null || kind.isEmpty() || kind.length() > 32) {
            return false;
        }
        for (int i = 0; i < kind.length(); i++) {
            char c = kind.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
