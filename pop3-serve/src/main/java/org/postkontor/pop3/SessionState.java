package org.postkontor.pop3;

import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;

/**
 * The states of a POP3 session as RFC 1939 §3 names them. Only {@link Transaction} holds the
 * {@link Maildrop}: no other state can reach the user's mail.
 */
public sealed interface SessionState {

    /**
     * Before login. {@code user} is the name from a USER command awaiting PASS (or null);
     * {@code exchange} is a SASL exchange awaiting the client's next response (or null).
     */
    record Authorization(String user, SaslExchange exchange) implements SessionState {
        public static final Authorization START = new Authorization(null, null);
    }

    /**
     * Logged in, the maildrop locked. Message n is {@code listing.get(n - 1)} for the whole session;
     * numbers never shift. DELE marks, RSET unmarks; nothing is removed before QUIT.
     */
    final class Transaction implements SessionState {
        private final MailAddress user;
        private final Maildrop maildrop;
        private final List<MaildropEntry> listing;
        private final BitSet deleted = new BitSet();
        private final BitSet retrieved = new BitSet();

        Transaction(MailAddress user, Maildrop maildrop) {
            this.user = Objects.requireNonNull(user);
            this.maildrop = Objects.requireNonNull(maildrop);
            this.listing = List.copyOf(maildrop.listing());
        }

        public MailAddress user() {
            return user;
        }

        Maildrop maildrop() {
            return maildrop;
        }

        /** Messages in the snapshot, deleted ones included. */
        public int size() {
            return listing.size();
        }

        /** The entry numbered {@code n} (1-based), or null if out of range. */
        MaildropEntry entry(int n) {
            return n >= 1 && n <= listing.size() ? listing.get(n - 1) : null;
        }

        boolean isDeleted(int n) {
            return deleted.get(n - 1);
        }

        void markDeleted(int n) {
            deleted.set(n - 1);
        }

        void markRetrieved(int n) {
            retrieved.set(n - 1);
        }

        boolean wasRetrieved(int n) {
            return retrieved.get(n - 1);
        }

        void undeleteAll() {
            deleted.clear();
        }

        int deletedCount() {
            return deleted.cardinality();
        }

        /** Messages not marked deleted. */
        int liveCount() {
            return listing.size() - deleted.cardinality();
        }

        /** Octets of messages not marked deleted. */
        long liveOctets() {
            long sum = 0;
            for (int i = 0; i < listing.size(); i++) {
                if (!deleted.get(i)) {
                    sum += listing.get(i).octets();
                }
            }
            return sum;
        }
    }

    /** After QUIT in TRANSACTION: the deletions were applied (or failed) and the session ends. */
    record Update(int removed, boolean failed) implements SessionState {}
}
