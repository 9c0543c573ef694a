package org.postkontor.store.internal.mail;

import org.postkontor.store.DeliveryCheck;

/**
 * What the accounts say about a mailbox when mail arrives: whether it is a user, whether the user
 * takes mail, and its quota (0 = no limit).
 */
public record MailboxLimits(boolean exists, boolean enabled, long quotaBytes, long quotaMessages) {

    public static final MailboxLimits NO_USER = new MailboxLimits(false, false, 0, 0);

    /** Where the limits come from: the accounts, read at each delivery (an admin change counts at once). */
    @FunctionalInterface
    public interface Source {
        MailboxLimits of(String mailbox) throws org.postkontor.store.StoreException;
    }

    /** Would a mailbox holding {@code messages} entries of {@code octets} take one more of {@code entryOctets}? */
    public DeliveryCheck accepts(long messages, long octets, long entryOctets) {
        if (!exists) {
            return DeliveryCheck.NO_SUCH_MAILBOX;
        }
        if (!enabled) {
            return DeliveryCheck.DISABLED;
        }
        if (quotaMessages > 0 && messages + 1 > quotaMessages) {
            return DeliveryCheck.OVER_QUOTA;
        }
        if (quotaBytes > 0 && octets + entryOctets > quotaBytes) {
            return DeliveryCheck.OVER_QUOTA;
        }
        return DeliveryCheck.OK;
    }
}
