package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
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
import org.postkontor.smtp.SmtpMetrics.Result;
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
 * read up to the size limit (the rest drained, so the session stays usable), checked, and handed
 * to {@link Spool#deliver} inside {@link #data}: the library sends 250 only after it returns.
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
    /** Writing the data to smtp.temp-dir failed (e.g. ENOSPC): the rest is drained, then refused. */
    private IOException bufferFailure;
    private String result = "aborted";
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
            throw refuse(Reply.dnsbl(conn.client().getAddress(), conn.dnsblListing()));
        }
        if (accepted.size() >= config.maxRecipients()) {
            throw refuse(Reply.TOO_MANY_RECIPIENTS);
        }
        RecipientResolver.Outcome outcome;
        try {
            outcome = resolver.resolve(recipient);
        } catch (StoreException e) {
            log.warn("session={} rcpt lookup failed: {}", session.getSessionId(), e.toString());
            throw refuse(Reply.forStore(e));
        }
        switch (outcome) {
            case RecipientResolver.Refused r -> throw refuse(r.reply());
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
                        throw refuse(Reply.forStore(e));
                    }
                    if (c == DeliveryCheck.OK) {
                        anyOk = true;
                    } else if (refusal == null || (refusal.permanent() && !Reply.forCheck(c).permanent())) {
                        refusal = Reply.forCheck(c);
                    }
                }
                if (!anyOk) {
                    throw refuse(refusal);
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
        Socket socket = session.getSocket();
        int commandTimeout = socket.getSoTimeout();
        socket.setSoTimeout((int) config.dataTimeout().toMillis());
        DataScanner scanner = new DataScanner(config.maxLineLength());
        try (MessageBuffer buffer = new MessageBuffer(config.tempDir(), config.memoryBufferBytes())) {
            long total = read(data, buffer, scanner);
            long endOfData = System.nanoTime();
            setTimeout(socket, commandTimeout);
            size = total;
            if (total > config.maxMessageSize()) {
                throw end(Reply.TOO_BIG);
            }
            if (bufferFailure != null) {
                log.warn("session={} cannot buffer the data: {}", session.getSessionId(), bufferFailure.toString());
                throw end(Reply.forTempFile(bufferFailure));
            }
            if (scanner.sawNul()) {
                throw end(Reply.NUL_IN_DATA);
            }
            if (scanner.sawLongLine()) {
                throw end(Reply.LINE_TOO_LONG);
            }
            if (scanner.receivedHeaders() > config.maxReceivedHeaders()) {
                throw end(Reply.LOOP);
            }
            String reply = switch (screening.screen(envelope(), content(buffer), session.getSessionId())) {
                case Screening.Refuse r -> throw end(r.reply());
                case Screening.Quarantine q -> quarantine(buffer, q.text());
                case Screening.Deliver d -> deliver(buffer, d);
            };
            metrics.bytesReceived(total);
            metrics.acceptLatency(Duration.ofNanos(System.nanoTime() - endOfData));
            return reply;
        } finally {
            setTimeout(socket, commandTimeout);
        }
    }

    private long read(InputStream data, MessageBuffer buffer, DataScanner scanner) throws IOException, RejectException {
        byte[] b = new byte[16384];
        long total = 0;
        while (true) {
            int n;
            try {
                n = data.read(b);
            } catch (SocketTimeoutException e) {
                throw endAndDrop(Reply.DATA_TIMEOUT);
            } catch (IOException e) {
                // EOF or reset inside DATA or a BDAT chunk, or the watchdog closing the socket.
                throw endAndDrop(conn.expired() ? Reply.SESSION_TOO_LONG : Reply.CONNECTION_LOST);
            }
            if (n < 0) {
                if (bufferFailure == null) {
                    try {
                        buffer.finish();
                    } catch (IOException e) {
                        bufferFailure = e;
                    }
                }
                return total;
            }
            if (total + n <= config.maxMessageSize()) {
                scanner.scan(b, 0, n);
                if (bufferFailure == null) {
                    try {
                        buffer.write(b, 0, n);
                    } catch (IOException e) {
                        bufferFailure = e; // keep reading to the end of the data, so the session stays usable
                    }
                }
            }
            total += n;
            if (conn.expired()) {
                throw endAndDrop(Reply.SESSION_TOO_LONG);
            }
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

    private static MessageFilter.Content content(MessageBuffer buffer) {
        return new MessageFilter.Content() {
            @Override
            public long size() {
                return buffer.size();
            }

            @Override
            public InputStream open() throws IOException {
                return buffer.open();
            }
        };
    }

    private String deliver(MessageBuffer buffer, Screening.Deliver edits) throws RejectException, IOException {
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
                throw end(Reply.forStore(e));
            }
            if (receipt.delivered().isEmpty()) {
                throw end(worst(receipt.refused().values()));
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
        result = "accepted";
        metrics.transaction(Result.ACCEPTED);
        return "2.0.0 Ok: queued as " + queueId;
    }

    /**
     * Everything goes to badmail: the local recipients with reason {@code spam} (an admin can
     * release it with {@code badmail redeliver}), the others with their own reason.
     */
    private String quarantine(MessageBuffer buffer, String why) throws RejectException, IOException {
        Map<String, List<String>> toBadmail = new LinkedHashMap<>();
        if (!localRecipients.isEmpty()) {
            toBadmail.put(ReasonKind.SPAM, localRecipients);
        }
        toBadmail.putAll(badmailRecipients);
        toBadmail(buffer, toBadmail, why, conn.clock().instant());
        result = "accepted:quarantined";
        metrics.transaction(Result.ACCEPTED);
        return "2.0.0 Ok: queued as " + queueId;
    }

    /** Hands the original to badmail once per reason kind; {@code spamText} explains kind spam. */
    private void toBadmail(MessageBuffer buffer, Map<String, List<String>> byKind, String spamText, Instant now)
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
                throw end(Reply.forStore(ex));
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

    private RejectException refuse(Reply reply) {
        metrics.rejection(reply.reason());
        return reply.reject();
    }

    /** A reply that ends the transaction (after the data). */
    private RejectException end(Reply reply) {
        result = (reply.permanent() ? "rejected:" : "tempfail:") + reply.reason().label();
        metrics.transaction(reply.permanent() ? Result.REJECTED : Result.TEMPFAIL);
        return refuse(reply);
    }

    private RejectException endAndDrop(Reply reply) {
        result = "tempfail:" + (reply == Reply.CONNECTION_LOST ? "connection_lost" : reply.reason().label());
        metrics.transaction(Result.TEMPFAIL);
        metrics.rejection(reply.reason());
        return reply.drop();
    }

    private static void setTimeout(Socket socket, int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (SocketException e) {
            // closed: the session ends anyway
        }
    }

    @Override
    public void done() {
        conn.inTransaction(false);
        if (log.isInfoEnabled()) {
            log.info("session={} tx={} client={} helo={} from=<{}> rcpts={} size={} result={} queue={} tls={}",
                    session.getSessionId(), number, clientIp(),
                    TraceHeaders.safe(session.getHelo().orElse("-"), 64),
                    sender == null ? "-" : TraceHeaders.safe(sender, 128), accepted.size(),
                    size < 0 ? "-" : Long.toString(size), result, queueId,
                    conn.tlsProtocol() == null ? "none" : conn.tlsProtocol());
        }
    }
}
