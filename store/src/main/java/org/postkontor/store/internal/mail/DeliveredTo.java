package org.postkontor.store.internal.mail;

import java.nio.charset.StandardCharsets;

/** The {@code Delivered-To:} line every backend serves before the stored bytes of an entry. */
public final class DeliveredTo {

    private DeliveredTo() {}

    public static byte[] line(String mailbox) {
        return ("Delivered-To: " + mailbox + "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
