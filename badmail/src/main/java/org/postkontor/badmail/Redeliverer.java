package org.postkontor.badmail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.ConflictException;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Receipt;
import org.postkontor.store.Resolution;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers an item into local mailboxes through {@link Spool#deliver} and removes it only after
 * that delivery is committed (at least once; see {@link BadmailQueue}). One redelivery of an item
 * at a time.
 */
final class Redeliverer {

    private static final Logger log = LoggerFactory.getLogger("postkontor.badmail");

    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final BadmailStore store;
    private final Listing listing;
    private final Directory directory;
    private final Spool spool;
    private final BadmailConfig config;
    private final Clock clock;
    private final BadmailMetrics metrics;
    private final InFlight inFlight;

    Redeliverer(BadmailStore store, Listing listing, Directory directory, Spool spool, BadmailConfig config,
                Clock clock, BadmailMetrics metrics, InFlight inFlight) {
        this.store = store;
        this.listing = listing;
        this.directory = directory;
        this.spool = spool;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.inFlight = inFlight;
    }

    /** See {@link BadmailQueue#redeliver(String, List)}. */
    Redelivery redeliver(String id, List<MailAddress> to) throws StoreException {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(to, "to");
        if (!inFlight.startRedelivery(id)) {
            throw new ConflictException("badmail item " + id + " is being redelivered");
        }
        try {
            return redeliverPinned(listing.item(id), to);
        } finally {
            inFlight.endRedelivery(id);
        }
    }

    private Redelivery redeliverPinned(BadmailItem item, List<MailAddress> to) throws StoreException {
        String id = item.id();
        String label = ReasonKind.label(item.reason().kind());
        List<String> requested = to.isEmpty() ? item.envelope().recipients()
                : to.stream().map(MailAddress::toString).toList();
        Set<MailAddress> mailboxes = new LinkedHashSet<>();
        List<String> unresolved = new ArrayList<>();
        for (String recipient : requested) {
            List<MailAddress> local = resolve(recipient);
            if (local.isEmpty()) {
                unresolved.add(recipient);
            } else {
                mailboxes.addAll(local);
            }
        }
        if (!unresolved.isEmpty()) {
            metrics.redeliveryFailed(label);
            log.info("event=redelivery_failed id={} cause=unresolved unresolved={}", id, unresolved.size());
            throw new UnresolvedRecipientException(unresolved);
        }

        Receipt receipt;
        try (InputStream original = store.open(id)) {
            InputStream message = new SequenceInputStream(new ByteArrayInputStream(traceHeaders(item)), original);
            receipt = spool.deliver(mailboxes, message);
        } catch (IOException e) {
            metrics.redeliveryFailed(label);
            throw new StoreException("cannot read badmail item " + id, e);
        } catch (StoreException e) {
            metrics.redeliveryFailed(label);
            log.warn("event=redelivery_failed id={} cause=store error={}", id, e.getClass().getSimpleName());
            throw e;
        }
        List<MailAddress> delivered = mailboxes.stream().filter(receipt.delivered()::contains).toList();
        if (delivered.isEmpty()) {
            metrics.redeliveryFailed(label);
            log.info("event=redelivery_failed id={} cause=mailboxes_refused refused={}", id, receipt.refused().size());
            return new Redelivery(id, Optional.empty(), List.of(), receipt.refused(), Optional.empty());
        }
        // Committed. A crash from here until remove() leaves the item in badmail as well (at least once).
        log.info("event=redelivery_committed id={} queue_id={} mailboxes={}", id, receipt.queueId(), delivered.size());

        Optional<String> remainder = Optional.empty();
        if (!receipt.refused().isEmpty()) {
            remainder = Optional.of(putRemainder(item, receipt.refused()));
        }
        store.remove(id);
        metrics.redelivered(label);
        log.info("event=redelivered id={} kind={} queue_id={} mailboxes={} refused={} remainder={}", id, label,
                receipt.queueId(), delivered.size(), receipt.refused().size(), remainder.orElse("none"));
        return new Redelivery(id, Optional.of(receipt.queueId()), delivered, receipt.refused(), remainder);
    }

    /**
     * A local mailbox list for one recipient, or empty. As SMTP does it: {@code user+tag} is tried
     * as {@code user} first (so a catch-all does not swallow tagged mail of an existing user),
     * then as written.
     */
    private List<MailAddress> resolve(String recipient) throws StoreException {
        MailAddress address;
        try {
            address = MailAddress.parse(recipient);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        int sep = config.plusSeparator() == 0 ? -1 : address.localPart().indexOf(config.plusSeparator());
        if (sep > 0) {
            MailAddress base = new MailAddress(address.localPart().substring(0, sep), address.domain());
            if (directory.resolve(base) instanceof Resolution.Local local) {
                return local.mailboxes();
            }
        }
        if (directory.resolve(address) instanceof Resolution.Local local) {
            return local.mailboxes();
        }
        return List.of();
    }

    private String putRemainder(BadmailItem item, Map<MailAddress, DeliveryCheck> refused) throws StoreException {
        Map.Entry<MailAddress, DeliveryCheck> first = refused.entrySet().iterator().next();
        BadmailReason reason = reasonFor(first.getValue());
        BadmailEnvelope old = item.envelope();
        BadmailEnvelope envelope = new BadmailEnvelope(old.sender(),
                refused.keySet().stream().map(MailAddress::toString).sorted().toList(), old.clientAddress(), old.helo(),
                old.received());
        try (InputStream original = store.open(item.id())) {
            BadmailItem rest = store.put(envelope, reason, original);
            metrics.arrived(ReasonKind.label(reason.kind()), rest.octets());
            log.info("event=admitted id={} kind={} code={} status={} octets={} rcpts={} remainder_of={}", rest.id(),
                    reason.kind(), reason.code(), reason.enhancedStatus(), rest.octets(), refused.size(), item.id());
            return rest.id();
        } catch (IOException e) {
            throw new StoreException("cannot read badmail item " + item.id(), e);
        }
    }

    private BadmailReason reasonFor(DeliveryCheck check) {
        Instant now = clock.instant();
        return switch (check) {
            case OVER_QUOTA -> new BadmailReason(ReasonKind.MAILBOX_FULL, 452, "4.2.2",
                    "mailbox full at redelivery", now);
            case DISABLED -> new BadmailReason(ReasonKind.MAILBOX_DISABLED, 550, "5.2.1",
                    "mailbox disabled at redelivery", now);
            case NO_SUCH_MAILBOX -> new BadmailReason(ReasonKind.STORE_PERMANENT, 550, "5.1.1",
                    "mailbox removed at redelivery", now);
            case INSUFFICIENT_STORAGE -> new BadmailReason(ReasonKind.STORE_PERMANENT, 452, "4.3.1",
                    "insufficient storage at redelivery", now);
            case OK -> throw new IllegalStateException("OK is not a refusal");
        };
    }

    /** Trace lines the message never got because it went to badmail instead (RFC 5321 §4.4). */
    private byte[] traceHeaders(BadmailItem item) {
        BadmailEnvelope env = item.envelope();
        String sender = env.sender() == null ? "" : SafeText.forHeader(env.sender());
        String helo = env.helo() == null || env.helo().isBlank() ? "unknown" : SafeText.forHeader(env.helo());
        String client = env.clientAddress() == null || env.clientAddress().isBlank() ? "unknown"
                : SafeText.forHeader(env.clientAddress());
        String text = "Return-Path: <" + sender + ">\r\n"
                + "Received: from " + helo + " (" + client + ")\r\n"
                + "\tby " + config.hostName() + " with badmail id " + SafeText.forHeader(item.id()) + ";\r\n"
                + "\t" + RFC5322_DATE.format(clock.instant()) + "\r\n"
                + "X-Postkontor-Badmail-Id: " + SafeText.forHeader(item.id()) + "\r\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
