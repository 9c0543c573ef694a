package org.postkontor.submit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.postkontor.smtp.MailRole;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.store.DeliveryCheck;
import org.postkontor.store.DkimKey;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.Resolution;
import org.postkontor.store.Store;
import org.postkontor.store.Receipt;
import org.postkontor.store.StoreException;
import org.postkontor.submit.SubmissionMetrics.Limit;
import org.postkontor.submit.dkim.DkimSigner;
import org.postkontor.submit.dkim.HeaderBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticated submission (RFC 6409) as the {@link MailRole} of the submission listeners: the
 * envelope sender and every header From must be the user's ({@link SenderPolicy}), else 553 5.7.1;
 * hourly limits per user ({@link RateLimits}), else 451 4.7.1 with a log line; {@code Date} and
 * {@code Message-ID} added when absent (RFC 6409 §8); a DKIM signature per key of the From domain;
 * then local recipients are delivered through the spool and the others queued for delivery, both
 * durable before the 250. Thread-safe (one {@link MailRole.Transaction} per transaction).
 */
public final class Submission implements MailRole {

    private static final Logger log = LoggerFactory.getLogger("postkontor.submission");

    static final Refusal NOT_OWNED = new Refusal(553, "5.7.1", "Sender address not owned by the authenticated user",
            Reason.RELAY_DENIED);
    static final Refusal FROM_NOT_OWNED = new Refusal(553, "5.7.1",
            "From header address not owned by the authenticated user", Reason.RELAY_DENIED);
    static final Refusal NULL_SENDER = new Refusal(553, "5.7.1", "A null sender is not accepted from users",
            Reason.RELAY_DENIED);
    static final Refusal RATE_MESSAGES = new Refusal(451, "4.7.1",
            "Sending rate limit reached (messages per hour), try again later", Reason.OTHER);
    static final Refusal RATE_RECIPIENTS = new Refusal(451, "4.7.1",
            "Sending rate limit reached (recipients per hour), try again later", Reason.OTHER);
    static final Refusal BAD_ADDRESS = new Refusal(501, "5.1.3", "Bad recipient address syntax", Reason.SYNTAX);
    static final Refusal UNKNOWN_USER = new Refusal(550, "5.1.1", "No such user here", Reason.UNKNOWN_USER);
    static final Refusal NO_USER = new Refusal(530, "5.7.0", "Authentication required", Reason.BAD_SEQUENCE);
    static final Refusal STORE = new Refusal(451, "4.3.0", "Local error in processing, try again later",
            Reason.STORE_ERROR);
    static final Refusal STORAGE = new Refusal(452, "4.3.1", "Insufficient system storage, try again later",
            Reason.INSUFFICIENT_STORAGE);
    static final Refusal OVER_QUOTA = new Refusal(452, "4.2.2", "Mailbox full, try again later", Reason.OVER_QUOTA);
    static final Refusal DISABLED = new Refusal(550, "5.2.1", "Mailbox disabled, not accepting messages",
            Reason.MAILBOX_DISABLED);
    static final Refusal BAD_HEADER = new Refusal(554, "5.6.0", "Message header cannot be read", Reason.SYNTAX);

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ROOT);

    private final Store store;
    private final SubmissionConfig config;
    private final SubmissionMetrics metrics;
    private final Clock clock;
    private final SenderPolicy senders;
    private final RateLimits limits;

    public Submission(Store store, SubmissionConfig config, SubmissionMetrics metrics, Clock clock,
                      char plusSeparator) {
        this.store = store;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.senders = new SenderPolicy(store.admin(), plusSeparator);
        this.limits = new RateLimits(clock, config.messagesPerHour(), config.recipientsPerHour());
    }

    @Override
    public Transaction begin(Session session) {
        return new Tx(session);
    }

    private final class Tx implements Transaction {
        private final Session session;
        private MailAddress user;
        private String sender;
        private final Set<MailAddress> local = new LinkedHashSet<>();
        private final List<String> remote = new ArrayList<>();
        private long size = -1;
        private String queued = "-";

        Tx(Session session) {
            this.session = session;
        }

        @Override
        public void from(String from) throws Refusal {
            try {
                Optional<MailAddress> u = session.login().isPresent()
                        ? store.accounts().mailboxOf(session.login().get()) : Optional.empty();
                if (u.isEmpty()) {
                    throw NO_USER;
                }
                user = u.get();
                if (from.isEmpty()) {
                    metrics.senderRefused();
                    throw NULL_SENDER;
                }
                if (!senders.owns(user, from)) {
                    metrics.senderRefused();
                    throw NOT_OWNED;
                }
            } catch (StoreException e) {
                log.warn("session={} sender check failed: {}", session.id(), e.toString());
                throw STORE;
            }
            sender = from;
        }

        @Override
        public void recipient(String recipient) throws Refusal {
            MailAddress r;
            try {
                r = MailAddress.parse(recipient);
            } catch (IllegalArgumentException e) {
                throw BAD_ADDRESS;
            }
            try {
                List<MailAddress> boxes = null;
                if (store.directory().isHosted(r.domain())) {
                    Resolution res = store.directory().resolve(r);
                    if (!(res instanceof Resolution.Local l)) {
                        throw UNKNOWN_USER;
                    }
                    boxes = takers(l.mailboxes());
                }
                if (!limits.recipient(user.toString())) {
                    tripped(Limit.RECIPIENTS);
                    throw RATE_RECIPIENTS;
                }
                if (boxes != null) {
                    local.addAll(boxes);
                } else {
                    remote.add(recipient);
                }
            } catch (StoreException e) {
                log.warn("session={} rcpt lookup failed: {}", session.id(), e.toString());
                throw STORE;
            }
        }

        /**
         * The mailboxes that take mail now. A full mailbox, or no space, refuses the recipient for
         * now (452: the user's client says so and can send again later); a disabled or vanished
         * mailbox is left out of an alias that has others, and refuses a recipient that has none.
         */
        private List<MailAddress> takers(List<MailAddress> boxes) throws Refusal, StoreException {
            List<MailAddress> ok = new ArrayList<>();
            for (MailAddress m : boxes) {
                switch (store.spool().check(m, 0)) {
                    case OK -> ok.add(m);
                    case INSUFFICIENT_STORAGE -> throw STORAGE;
                    case OVER_QUOTA -> throw OVER_QUOTA;
                    case DISABLED, NO_SUCH_MAILBOX -> log.info("session={} mailbox {} takes no mail: left out",
                            session.id(), m);
                }
            }
            if (ok.isEmpty()) {
                throw DISABLED;
            }
            return ok;
        }

        private void tripped(Limit limit) {
            metrics.rateLimited(limit);
            log.warn("event=rate_limited session={} user={} limit={} per_hour={}", session.id(), user,
                    limit.label(), limit == Limit.MESSAGES ? config.messagesPerHour() : config.recipientsPerHour());
        }

        @Override
        public String accept(Message message) throws Refusal {
            size = message.size();
            HeaderBlock header;
            try (InputStream in = message.open()) {
                header = HeaderBlock.read(in);
            } catch (IOException e) {
                throw BAD_HEADER;
            }
            String fromDomain = checkFrom(header);
            if (!limits.message(user.toString())) {
                tripped(Limit.MESSAGES);
                throw RATE_MESSAGES;
            }
            byte[] prefix = prefix(header, fromDomain, message);
            try {
                if (!local.isEmpty()) {
                    Receipt receipt;
                    try (InputStream in = withPrefix(prefix, message)) {
                        receipt = store.spool().deliver(local, in);
                    }
                    if (!receipt.refused().isEmpty()) {
                        // A mailbox filled up or was disabled since RCPT: better a duplicate for the
                        // others when the client sends again than a copy lost behind a 250.
                        log.warn("session={} refused at delivery: {}", session.id(), receipt.refused());
                        throw receipt.refused().containsValue(DeliveryCheck.INSUFFICIENT_STORAGE) ? STORAGE
                                : receipt.refused().containsValue(DeliveryCheck.OVER_QUOTA) ? OVER_QUOTA : STORE;
                    }
                    queued = receipt.queueId();
                }
                if (!remote.isEmpty()) {
                    try (InputStream in = withPrefix(prefix, message)) {
                        queued = store.outbound().enqueue(sender, remote, in).id();
                    }
                }
            } catch (InsufficientStorageException e) {
                throw STORAGE;
            } catch (StoreException | IOException e) {
                log.warn("session={} submission failed: {}", session.id(), e.toString());
                throw STORE;
            }
            metrics.submitted(local.size(), remote.size());
            return "2.0.0 Ok: queued as " + queued;
        }

        /** Every From mailbox must be the user's; returns the domain to sign for. A missing From gets the user's. */
        private String checkFrom(HeaderBlock header) throws Refusal {
            Optional<HeaderBlock.Field> from = header.first("From");
            if (from.isEmpty()) {
                return user.domain();
            }
            List<Mailbox> boxes = LenientAddressParser.DEFAULT.parseAddressList(from.get().value()).flatten();
            if (boxes.isEmpty() || header.count("From") > 1) {
                metrics.senderRefused();
                throw FROM_NOT_OWNED;
            }
            try {
                for (Mailbox b : boxes) {
                    if (!senders.owns(user, b.getAddress())) {
                        metrics.senderRefused();
                        throw FROM_NOT_OWNED;
                    }
                }
            } catch (StoreException e) {
                throw STORE;
            }
            return MailAddress.normalizeDomain(boxes.get(0).getDomain());
        }

        /** Received, then the missing Date, Message-ID and From, then one DKIM-Signature per key, on top. */
        private byte[] prefix(HeaderBlock header, String domain, Message message) throws Refusal {
            Instant now = clock.instant();
            StringBuilder added = new StringBuilder();
            added.append("Received: from ").append(safe(session.helo())).append(" (")
                    .append(session.client().getAddress().getHostAddress()).append(")\r\n\tby ")
                    .append(config.hostname()).append(" (Postkontor) with ESMTPSA (")
                    .append(session.tlsProtocol() == null ? "TLS" : session.tlsProtocol()).append(")\r\n\tid ")
                    .append(session.id()).append('.').append(session.transaction()).append("; ")
                    .append(DATE.format(ZonedDateTime.ofInstant(now, clock.getZone()))).append("\r\n");
            List<HeaderBlock.Field> fields = new ArrayList<>();
            if (header.first("Date").isEmpty()) {
                String f = "Date: " + DATE.format(ZonedDateTime.ofInstant(now, clock.getZone())) + "\r\n";
                added.append(f);
                fields.add(new HeaderBlock.Field("Date", f));
            }
            if (header.first("Message-ID").isEmpty()) {
                String f = "Message-ID: <" + UUID.randomUUID() + "@" + config.hostname() + ">\r\n";
                added.append(f);
                fields.add(new HeaderBlock.Field("Message-ID", f));
            }
            if (header.first("From").isEmpty()) {
                String f = "From: " + user + "\r\n";
                added.append(f);
                fields.add(new HeaderBlock.Field("From", f));
            }
            fields.addAll(header.fields());
            StringBuilder out = new StringBuilder();
            try {
                List<DkimKey> keys = store.dkimKeys().signing(domain);
                if (!keys.isEmpty()) {
                    String bh;
                    try (InputStream in = message.open()) {
                        in.skipNBytes(header.octets());
                        bh = DkimSigner.bodyHash(in);
                    }
                    HeaderBlock signed = new HeaderBlock(fields, 0);
                    for (DkimKey k : keys) {
                        out.append(DkimSigner.sign(signed, bh, k, now));
                        metrics.dkimSigned(k.algorithm().tag());
                    }
                }
            } catch (StoreException | IOException e) {
                log.warn("session={} DKIM signing failed: {}", session.id(), e.toString());
                throw STORE;
            }
            out.append(added);
            return out.toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void done(String result) {
            log.info("session={} tx={} client={} user={} from=<{}> local={} remote={} size={} result={} queue={} tls={}",
                    session.id(), session.transaction(), session.client().getAddress().getHostAddress(),
                    user == null ? "-" : user, sender == null ? "-" : safe(sender), local.size(), remote.size(),
                    size < 0 ? "-" : Long.toString(size), result, queued,
                    session.tlsProtocol() == null ? "none" : session.tlsProtocol());
        }
    }

    private static InputStream withPrefix(byte[] prefix, Message message) throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(prefix), message.open());
    }

    /** Client text for a header or log: printable ASCII only, at most 64 characters. */
    static String safe(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c > ' ' && c < 0x7f && c != '(' && c != ')' ? c : '_');
        }
        return b.isEmpty() ? "unknown" : b.toString();
    }
}
