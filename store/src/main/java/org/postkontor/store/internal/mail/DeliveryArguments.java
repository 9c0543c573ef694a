package org.postkontor.store.internal.mail;

import java.io.InputStream;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MaildropEntry;

/** The argument checks of {@code Spool.deliver} that every backend makes alike. */
public final class DeliveryArguments {

    private DeliveryArguments() {}

    /** The mailboxes once each, in the order given; refuses none and a null message. */
    public static List<MailAddress> mailboxes(Collection<MailAddress> mailboxes, InputStream message) {
        Objects.requireNonNull(message, "message");
        List<MailAddress> boxes = List.copyOf(new LinkedHashSet<>(mailboxes));
        if (boxes.isEmpty()) {
            throw new IllegalArgumentException("no mailbox");
        }
        return boxes;
    }

    /** For a delivery that keeps its UIDL: refuses nulls and a UIDL RFC 1939 does not allow. */
    public static void withUidl(MailAddress mailbox, String uidl, InputStream message) {
        Objects.requireNonNull(mailbox, "mailbox");
        Objects.requireNonNull(message, "message");
        if (!MaildropEntry.isValidUidl(uidl)) {
            throw new IllegalArgumentException("UIDL must be 1 to 70 characters 0x21-0x7E");
        }
    }
}
