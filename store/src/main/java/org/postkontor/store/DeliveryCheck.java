package org.postkontor.store;

/** Whether a mailbox takes mail now; see {@link Spool#check}. */
public enum DeliveryCheck {
    OK,
    /** Bytes or message count quota reached: 452 4.2.2. */
    OVER_QUOTA,
    /** The user is disabled: 550 5.2.1. */
    DISABLED,
    /** No such mailbox (removed since RCPT). */
    NO_SUCH_MAILBOX,
    /** The free-disk reserve of the spool or index volume is reached: 452 4.3.1. */
    INSUFFICIENT_STORAGE
}
