package org.postkontor.store;

import java.time.Instant;

/**
 * One message in a maildrop snapshot.
 *
 * @param id      the entry's id in this run of the store (opaque to POP3, not kept across restarts)
 * @param uidl    unique in its mailbox, never reused; 1 to 70 characters 0x21-0x7E (RFC 1939 §7)
 * @param octets  exact size as POP3 sends it (CRLF line ends, before dot-stuffing)
 * @param arrived when the message was delivered
 */
public record MaildropEntry(long id, String uidl, long octets, Instant arrived) {

    public static final int MAX_UIDL = 70;

    public MaildropEntry {
        if (!isValidUidl(uidl)) {
            throw new IllegalArgumentException("UIDL must be 1 to 70 characters 0x21-0x7E");
        }
        if (octets < 0) {
            throw new IllegalArgumentException("negative size");
        }
    }

    public static boolean isValidUidl(String uidl) {
        if (uidl == null || uidl.isEmpty() || uidl.length() > MAX_UIDL) {
            return false;
        }
        for (int i = 0; i < uidl.length(); i++) {
            char c = uidl.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
