package org.postkontor.deliver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.Resolution;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery status notifications (RFC 3464, a {@code multipart/report} of RFC 6522) into the local
 * sender's mailbox: one when recipients failed for good, one when a message has waited past the
 * delay warning. Never for the null sender (RFC 5321 §4.5.5) and never to another server: the
 * sender of submitted mail is a local user, and a sender that is not is logged and left.
 */
final class Bounces {

    private static final Logger log = LoggerFactory.getLogger("postkontor.delivery");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ROOT);
    /** The original's header is returned, bounded. */
    private static final int MAX_RETURNED_HEADER = 64 * 1024;

    private final Directory directory;
    private final Spool spool;
    private final String hostname;
    private final java.time.Duration lifetime;
    private final Clock clock;

    Bounces(Directory directory, Spool spool, String hostname, java.time.Duration lifetime, Clock clock) {
        this.directory = directory;
        this.spool = spool;
        this.hostname = hostname;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** A recipient the report is about: its address, the reply that decided it, and the server that gave it. */
    record Failure(String recipient, SmtpReply reply, String remoteMta) {}

    /**
     * Puts a report for {@code failures} into the sender's mailbox; false when there is none to put
     * it in (null or non-local sender).
     *
     * @param original the message's bytes, for its header
     */
    boolean send(QueuedMessage message, List<Failure> failures, boolean delayed, InputStream original)
            throws StoreException, IOException {
        if (message.sender().isEmpty()) {
            return false;
        }
        List<MailAddress> boxes;
        try {
            Resolution r = directory.resolve(MailAddress.parse(message.sender()));
            if (!(r instanceof Resolution.Local l)) {
                log.warn("event=bounce_dropped queue={} reason=sender_not_local", message.id());
                return false;
            }
            boxes = l.mailboxes();
        } catch (IllegalArgumentException e) {
            log.warn("event=bounce_dropped queue={} reason=sender_unparseable", message.id());
            return false;
        }
        byte[] report = build(message, failures, delayed, original);
        spool.deliver(boxes, new ByteArrayInputStream(report));
        return true;
    }

    byte[] build(QueuedMessage message, List<Failure> failures, boolean delayed, InputStream original)
            throws IOException {
        Instant now = clock.instant();
        String boundary = "=_postkontor_" + UUID.randomUUID();
        StringBuilder b = new StringBuilder();
        b.append("Return-Path: <>\r\n");
        b.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n");
        b.append("To: <").append(message.sender()).append(">\r\n");
        b.append("Subject: ").append(delayed ? "Delayed Mail (still being retried)"
                : "Undelivered Mail Returned to Sender").append("\r\n");
        b.append("Date: ").append(date(now)).append("\r\n");
        b.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
        b.append("Auto-Submitted: auto-replied\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary)
                .append("\"\r\n\r\n");
        b.append("This is a MIME-encapsulated message.\r\n\r\n--").append(boundary).append("\r\n");
        b.append("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        b.append("This is the mail system at ").append(hostname).append(".\r\n\r\n");
        if (delayed) {
            b.append("Your message could not be delivered yet to the recipients below. It stays in the\r\n"
                    + "queue and is retried; you need not send it again. You are told again only if it\r\n"
                    + "fails for good.\r\n\r\n");
        } else {
            b.append("Your message could not be delivered to the recipients below. The reason each\r\n"
                    + "server gave is beside it.\r\n\r\n");
        }
        for (Failure f : failures) {
            b.append("<").append(f.recipient()).append(">: ").append(f.reply().line()).append("\r\n");
        }
        b.append("\r\n--").append(boundary).append("\r\n");
        b.append("Content-Type: message/delivery-status\r\n\r\n");
        b.append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
        b.append("X-Postkontor-Queue-ID: ").append(message.id()).append("\r\n");
        b.append("Arrival-Date: ").append(date(message.arrived())).append("\r\n");
        for (Failure f : failures) {
            b.append("\r\n");
            b.append("Final-Recipient: rfc822; ").append(f.recipient()).append("\r\n");
            b.append("Action: ").append(delayed ? "delayed" : "failed").append("\r\n");
            b.append("Status: ").append(f.reply().status()).append("\r\n");
            if (f.remoteMta() != null) {
                b.append("Remote-MTA: dns; ").append(f.remoteMta()).append("\r\n");
            }
            b.append("Diagnostic-Code: smtp; ").append(f.reply().line()).append("\r\n");
            if (delayed) {
                b.append("Will-Retry-Until: ").append(date(message.arrived().plus(lifetime)))
                        .append("\r\n");
            }
        }
        b.append("\r\n--").append(boundary).append("\r\n");
        b.append("Content-Type: text/rfc822-headers\r\n\r\n");
        byte[] head = header(original);
        StringBuilder tail = new StringBuilder();
        tail.append("\r\n--").append(boundary).append("--\r\n");
        byte[] start = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] end = tail.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[start.length + head.length + end.length];
        System.arraycopy(start, 0, out, 0, start.length);
        System.arraycopy(head, 0, out, start.length, head.length);
        System.arraycopy(end, 0, out, start.length + head.length, end.length);
        return out;
    }

    /** The original's header section, up to its empty line (bounded). */
    private static byte[] header(InputStream original) throws IOException {
        byte[] buf = original.readNBytes(MAX_RETURNED_HEADER);
        String s = new String(buf, StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        String h = end >= 0 ? s.substring(0, end + 2) : s;
        return h.getBytes(StandardCharsets.ISO_8859_1);
    }

    private String date(Instant t) {
        return DATE.format(ZonedDateTime.ofInstant(t, clock.getZone()));
    }
}
