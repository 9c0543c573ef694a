package org.postkontor.badmail;

import java.io.InputStream;
import java.util.Objects;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores an item durably, counts and logs it, then lets {@link Retention} enforce the size cap
 * (the new item is pinned meanwhile, so its own arrival never evicts it).
 */
final class Admission implements BadmailIntake {

    private static final Logger log = LoggerFactory.getLogger("postkontor.badmail");

    private final BadmailStore store;
    private final Retention retention;
    private final InFlight inFlight;
    private final BadmailMetrics metrics;

    Admission(BadmailStore store, Retention retention, InFlight inFlight, BadmailMetrics metrics) {
        this.store = store;
        this.retention = retention;
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    @Override
    public void admit(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(original, "original");
        if (envelope.recipients().isEmpty()) {
            throw new IllegalArgumentException("a badmail item needs at least one failed recipient");
        }
        String label = ReasonKind.label(reason.kind());
        BadmailItem item;
        try {
            item = store.put(envelope, reason, original);
        } catch (InsufficientStorageException e) {
            log.warn("event=admit_refused cause=insufficient_storage kind={} rcpts={}", label,
                    envelope.recipients().size());
            throw e;
        }
        inFlight.pin(item.id());
        try {
            metrics.arrived(label, item.octets());
            log.info("event=admitted id={} kind={} code={} status={} octets={} rcpts={} client={}", item.id(), label,
                    reason.code(), SafeText.forLog(reason.enhancedStatus()), item.octets(),
                    envelope.recipients().size(), SafeText.forLog(envelope.clientAddress()));
            try {
                retention.admitted(item.octets());
            } catch (StoreException | RuntimeException e) {
                // The item is durable and SMTP must answer 250: a failed eviction only waits for the next sweep.
                log.error("event=retention_failed trigger=admit id={}", item.id(), e);
            }
        } finally {
            inFlight.unpin(item.id());
        }
    }
}
