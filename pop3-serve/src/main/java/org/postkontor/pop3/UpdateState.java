package org.postkontor.pop3;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.postkontor.pop3.SessionState.Transaction;
import org.postkontor.pop3.SessionState.Update;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UPDATE state (RFC 1939 §6), entered by QUIT in TRANSACTION: the messages marked deleted, and
 * those RFC 2449 EXPIRE removes, are expunged in one call, the maildrop is closed, and the session
 * ends; {@code -ERR} if the expunge failed (nothing was removed then). No command is valid in it.
 * The state's data is {@link Update}. Not thread-safe.
 */
final class UpdateState {

    private static final Logger LOG = LoggerFactory.getLogger("postkontor.pop3");

    private final Pop3Session session;
    private final SessionServices services;
    private final Pop3Config config;

    UpdateState(Pop3Session session, SessionServices services) {
        this.session = session;
        this.services = services;
        this.config = services.config();
    }

    /** QUIT in TRANSACTION: expunges, closes the maildrop and enters UPDATE. */
    Reply quit(Transaction t) {
        Set<MaildropEntry> remove = new HashSet<>();
        Instant expireBefore = config.expireDays() < 0 ? null
                : services.clock().instant().minus(Duration.ofDays(config.expireDays()));
        for (int n = 1; n <= t.size(); n++) {
            MaildropEntry e = t.entry(n);
            boolean expired = expireBefore != null && t.wasRetrieved(n) && !e.arrived().isAfter(expireBefore);
            if (t.isDeleted(n) || expired) {
                remove.add(e);
            }
        }
        session.finish();
        int removed = 0;
        boolean failed = false;
        try {
            if (!remove.isEmpty()) {
                t.maildrop().expunge(remove);
                removed = remove.size();
                services.metrics().deleted(remove.size());
            }
        } catch (StoreException e) {
            failed = true;
            LOG.warn("session={} event=store_error during=expunge error={}", session.connection().sessionId(),
                    e.toString());
        } finally {
            t.maildrop().close();
        }
        session.enter(new Update(removed, failed));
        if (failed) {
            return Reply.err(ResponseCode.SYS_TEMP, "deleted messages were not removed; they are still in the maildrop");
        }
        return Reply.ok(config.implementation() + " POP3 server signing off (" + (t.size() - removed)
                + " messages left)");
    }
}
