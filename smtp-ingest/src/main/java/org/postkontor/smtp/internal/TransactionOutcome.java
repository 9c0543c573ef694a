package org.postkontor.smtp.internal;

import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.Result;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;

/**
 * How one mail transaction ended, for its log line and the metrics, whatever the listener: a
 * refusal that leaves it going, a reply that ends it, a drop, or the 250. Used by the session's
 * thread only.
 */
final class TransactionOutcome {

    private final SmtpMetrics metrics;
    private String result = "aborted";

    TransactionOutcome(SmtpMetrics metrics) {
        this.metrics = metrics;
    }

    /** A refused command or recipient: counted; the transaction goes on. */
    RejectException refuse(Reply reply) {
        metrics.rejection(reply.reason());
        return reply.reject();
    }

    /** A reply that ends the transaction (after the data, or a refused MAIL). */
    RejectException end(Reply reply) {
        result = (reply.permanent() ? "rejected:" : "tempfail:") + reply.reason().label();
        metrics.transaction(reply.permanent() ? Result.REJECTED : Result.TEMPFAIL);
        return refuse(reply);
    }

    /** The client went away or timed out inside the data: the reply, then the connection closes. */
    DropConnectionException drop(Reply reply) {
        result = "tempfail:" + (reply == Reply.CONNECTION_LOST ? "connection_lost" : reply.reason().label());
        metrics.transaction(Result.TEMPFAIL);
        metrics.rejection(reply.reason());
        return reply.drop();
    }

    /** The 250 after the durable accept. */
    void accepted() {
        accepted("accepted");
    }

    /** The 250 after the durable accept, logged as {@code how} (e.g. {@code accepted:quarantined}). */
    void accepted(String how) {
        result = how;
        metrics.transaction(Result.ACCEPTED);
    }

    /** {@code accepted}, {@code rejected:<reason>}, {@code tempfail:<reason>} or {@code aborted}. */
    String result() {
        return result;
    }
}
