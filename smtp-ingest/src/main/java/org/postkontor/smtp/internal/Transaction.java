package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.postkontor.badmail.BadmailIntake;
import org.postkontor.badmail.ReasonKind;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.smtp.filter.Envelope;
import org.postkontor.smtp.filter.MessageFilter;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Receipt;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.Session;

/**
 * One mail transaction (SubEthaSMTP's {@link MessageHandler}: {@code from → recipient* → data →
 * done}, done always). RCPT is checked against the directory and the spool at once; the data is
 * read up to the size limit (the rest drained, so the session stays usable), checked, screened
 * (rspamd, when on) and handed to {@link Spool#deliver} inside {@link #data}: the library sends 250
 * only after it returns.
 */
final class Transaction implements MessageHandler {

    private static final Logger log = LoggerFactory.getLogger("postkontor.smtp");

    private final Session session;
    private final Connection conn;
    private final SmtpConfig config;
    private final SmtpMetrics metrics;
    private final RecipientResolver resolver;
    private final Spool spool;
    private final BadmailIntake badmail;
    private final Screening screening;
    private final int number;

    private String sender;
    private final Set<MailAddress> mailboxes = new LinkedHashSet<>();
    private final Map<String, List<String>> badmailRecipients = new LinkedHashMap<>();
    private final Set<String> accepted = new LinkedHashSet<>();
    /** Accepted recipients that resolved to local mailboxes (the rest go to badmail anyway). */
    private final List<String> localRecipients = new ArrayList<>();
    private long size = -1;
    private final TransactionOutcome ending;
    private String queueId = "-";

    Transaction(Session session, SmtpConfig config, SmtpMetrics metrics, RecipientResolver resolver, Spool spool,
                BadmailIntake badmail, Screening screening) {
        this.session = session;
        this.conn = ((AdaptedSocket) session.getSocket()).connection();
        this.config = config;
        this.metrics = metrics;
        this.resolver = resolver;
        this.spool = spool;
        this.badmail = badmail;
        this.screening = screening;
        this.ending = new TransactionOutcome(metrics);
        this.number = conn.nextTransaction();
        conn.inTransaction(true);
    }

    @Override
    public void from(String from) {
        sender = from;
        conn.okHint("2.1.0");
    }

    @Override
    public void recipient(String recipient) throws RejectException {
        if (conn.dnsblListing() != null) {
            throw ending.refuse(Reply.dnsbl(conn.client().getAddress(), conn.dnsblListing()));
        }
        if (accepted.size() >= config.maxRecipients()) {
            throw ending.refuse(Reply.TOO_MANY_RECIPIENTS);
        }
        RecipientResolver.Outcome outcome;
        try {
            outcome = resolver.resolve(recipient);
        } catch (StoreException e) {
            log.warn("session={} rcpt lookup failed: {}", session.getSessionId(), e.toString());
            throw ending.refuse(Reply.forStore(e));
        }
        switch (outcome) {
            case RecipientResolver.Refused r -> throw ending.refuse(r.reply());
            case RecipientResolver.ToBadmail b ->
                    badmailRecipients.computeIfAbsent(b.kind(), k -> new ArrayList<>()).add(recipient);
            case RecipientResolver.Local l -> {
                Reply refusal = null;
                boolean anyOk = false;
                for (MailAddress m : l.mailboxes()) {
                    DeliveryCheck c;
                    try {
                        c = spool.check(m, Math.max(0, session.getDeclaredMessageSize()));
                    } catch (StoreException e) {
                        log.warn("session={} quota check failed: {}", session.getSessionId(), e.toString());
                        throw ending.refuse(Reply.forStore(e));
                    }
                    if (c == DeliveryCheck.OK) {
                        anyOk = true;
                    } else if (refusal == null || (refusal.permanent() && !Reply.forCheck(c).permanent())) {
                        refusal = Reply.forCheck(c);
                    }
                }
                if (!anyOk) {
                    throw ending.refuse(refusal);
                }
                mailboxes.addAll(l.mailboxes());
                localRecipients.add(recipient);
            }
        }
        accepted.add(recipient);
        metrics.recipientAccepted();
        conn.okHint("2.1.5");
    }

    @Override
    public String data(InputStream data) throws RejectException, IOException {
        conn.dataReceived(true);
        try (ReceivedData received = ReceivedData.read(session, conn, config, data)) {
            size = received.size();
            Reply problem = received.problem();
            if (problem != null) {
                if (received.bufferFailure() != null && problem != Reply.TOO_BIG) {
                    log.warn("session={} cannot buffer the data: {}", session.getSessionId(),
                            received.bufferFailure().toString());
                }
                throw ending.end(problem);
            }
            String reply = switch (screening.screen(envelope(), content(received), session.getSessionId())) {
                case Screening.Refuse r -> throw ending.end(r.reply());
                case Screening.Quarantine q -> quarantine(received, q.text());
                case Screening.Deliver d -> deliver(received, d);
            };
            metrics.bytesReceived(size);
            metrics.acceptLatency(Duration.ofNanos(System.nanoTime() - received.endOfData()));
            return reply;
        } catch (ReceivedData.Cut cut) {
            throw ending.drop(cut.reply());
        }
    }

    /** The id in our Received header, the logs and the filter's request. */
    private String id() {
        return session.getSessionId() + "." + number;
    }

    private Envelope envelope() {
        return new Envelope(clientIp(), session.getHelo(), sender == null ? "" : sender, List.copyOf(accepted),
                Optional.ofNullable(conn.tlsProtocol()), Optional.ofNullable(conn.tlsCipher()),
                session.getAuthenticationHandler().map(h -> String.valueOf(h.getIdentity())), id(), config.hostname());
    }

    private static MessageFilter.Content content(ReceivedData received) {
        return new MessageFilter.Content() {
            @Override
            public long size() {
                return received.size();
            }

            @Override
            public InputStream open() throws IOException {
                return received.open();
            }
        };
    }

    private String deliver(ReceivedData buffer, Screening.Deliver edits) throws RejectException, IOException {
        String id = id();
        Instant now = conn.clock().instant();
        Receipt receipt = null;
        if (!mailboxes.isEmpty()) {
            byte[] trace = TraceHeaders.build(sender, session.getHelo().orElse(null), clientIp(),
                    config.hostname(), id, accepted.size() == 1 ? accepted.iterator().next() : null,
                    conn.tlsProtocol(), conn.tlsCipher(), now, conn.clock().getZone());
            byte[] added = edits.headerBytes();
            try (InputStream body = edits.remove().isEmpty() ? buffer.open()
                         : new HeaderEdits(buffer.open(), edits.remove());
                 InputStream message = new SequenceInputStream(new ByteArrayInputStream(trace),
                         new SequenceInputStream(new ByteArrayInputStream(added), body))) {
                receipt = spool.deliver(mailboxes, message);
            } catch (StoreException e) {
                log.warn("session={} delivery failed: {}", session.getSessionId(), e.toString());
                throw ending.end(Reply.forStore(e));
            }
            if (receipt.delivered().isEmpty()) {
                throw ending.end(worst(receipt.refused().values()));
            }
            queueId = receipt.queueId();
        }
        Map<String, List<String>> toBadmail = new LinkedHashMap<>(badmailRecipients);
        if (receipt != null) {
            for (Map.Entry<MailAddress, DeliveryCheck> e : receipt.refused().entrySet()) {
                toBadmail.computeIfAbsent(Reply.badmailKind(e.getValue()), k -> new ArrayList<>())
                        .add(e.getKey().toString());
            }
        }
        toBadmail(buffer, toBadmail, null, now);
        ending.accepted();
        return "2.0.0 Ok: queued as " + queueId;
    }

    /**
     * Everything goes to badmail: the local recipients with reason {@code spam} (an admin can
     * release it with {@code badmail redeliver}), the others with their own reason.
     */
    private String quarantine(ReceivedData buffer, String why) throws RejectException, IOException {
        Map<String, List<String>> toBadmail = new LinkedHashMap<>();
        if (!localRecipients.isEmpty()) {
            toBadmail.put(ReasonKind.SPAM, localRecipients);
        }
        toBadmail.putAll(badmailRecipients);
        toBadmail(buffer, toBadmail, why, conn.clock().instant());
        ending.accepted("accepted:quarantined");
        return "2.0.0 Ok: queued as " + queueId;
    }

    /** Hands the original to badmail once per reason kind; {@code spamText} explains kind spam. */
    private void toBadmail(ReceivedData buffer, Map<String, List<String>> byKind, String spamText, Instant now)
            throws RejectException, IOException {
        for (Map.Entry<String, List<String>> e : byKind.entrySet()) {
            Reply why = switch (e.getKey()) {
                case ReasonKind.MAILBOX_FULL -> Reply.OVER_QUOTA;
                case ReasonKind.MAILBOX_DISABLED -> Reply.MAILBOX_DISABLED;
                case ReasonKind.SPAM -> new Reply(Screening.SPAM.code(), Screening.SPAM.enhanced(), spamText,
                        Reason.SPAM);
                default -> Reply.UNKNOWN_USER;
            };
            BadmailEnvelope envelope = new BadmailEnvelope(sender, e.getValue(), clientIp(),
                    session.getHelo().orElse(""), now);
            BadmailReason reason = new BadmailReason(e.getKey(), why.code(), why.enhanced(), why.text(), now);
            try (InputStream original = buffer.open()) {
                badmail.admit(envelope, reason, original);
            } catch (StoreException ex) {
                // Better a duplicate for the delivered recipients (the client retries) than a lost copy.
                log.warn("session={} badmail handover failed: {}", session.getSessionId(), ex.toString());
                throw ending.end(Reply.forStore(ex));
            }
            metrics.badmailHandover();
            if ("-".equals(queueId)) {
                queueId = "badmail";
            }
        }
    }

    /** For a message no mailbox took: a temporary reason wins over a permanent one. */
    private static Reply worst(Iterable<DeliveryCheck> checks) {
        Reply r = null;
        for (DeliveryCheck c : checks) {
            Reply x = Reply.forCheck(c);
            if (r == null || (r.permanent() && !x.permanent())) {
                r = x;
            }
        }
        return r == null ? Reply.STORE_FAILURE : r;
    }

    private String clientIp() {
        return conn.client().getAddress().getHostAddress();
    }

    @Override
    public void done() {
        conn.inTransaction(false);
        if (log.isInfoEnabled()) {
            log.info("session={} tx={} client={} helo={} from=<{}> rcpts={} size={} result={} queue={} tls={}",
                    session.getSessionId(), number, clientIp(),
                    TraceHeaders.safe(session.getHelo().orElse("-"), 64),
                    sender == null ? "-" : TraceHeaders.safe(sender, 128), accepted.size(),
                    size < 0 ? "-" : Long.toString(size), ending.result(), queueId,
                    conn.tlsProtocol() == null ? "none" : conn.tlsProtocol());
        }
    }
}
