package org.postkontor.badmail;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;

/** Test data: envelopes, reasons and messages. */
final class Items {
    private Items() {}

    static BadmailEnvelope envelope(Clock clock, String... recipients) {
        return new BadmailEnvelope("sender@remote.test", List.of(recipients), "192.0.2.7", "mx.remote.test",
                clock.instant());
    }

    static BadmailReason reason(Clock clock, String kind) {
        return switch (kind) {
            case ReasonKind.UNKNOWN_USER -> new BadmailReason(kind, 550, "5.1.1", "no such user", clock.instant());
            case ReasonKind.DANGLING_ALIAS -> new BadmailReason(kind, 550, "5.1.1", "alias target gone", clock.instant());
            case ReasonKind.MAILBOX_FULL -> new BadmailReason(kind, 452, "4.2.2", "mailbox full", clock.instant());
            default -> new BadmailReason(kind, 554, "5.0.0", "test", clock.instant());
        };
    }

    static byte[] message(String subject, String body) {
        return ("From: Sender <sender@remote.test>\r\nTo: someone@example.test\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject.hashCode() + "@remote.test>\r\n\r\n" + body + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A message of exactly {@code size} octets. */
    static byte[] sized(String subject, int size) {
        byte[] head = ("Subject: " + subject + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) 'x');
        System.arraycopy(head, 0, m, 0, head.length);
        return m;
    }

    static ByteArrayInputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }
}
