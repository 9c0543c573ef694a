package org.postkontor.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * What a listener other than the MX does with its mail (submission): this module's listener
 * machinery (limits, TLS, command and data framing, the size, line, NUL and loop checks, graceful
 * stop) runs the protocol and asks the role at each step of a transaction. One {@link Transaction}
 * per MAIL command, on the session's thread: {@code from → recipient* → accept → done}, done always.
 * A step refuses by throwing {@link Refusal}, whose reply the client gets.
 */
public interface MailRole {

    /** A new mail transaction of this session. */
    Transaction begin(Session session);

    /** One mail transaction. */
    interface Transaction {

        /** MAIL FROM, its address (empty for the null sender). */
        void from(String sender) throws Refusal;

        /** RCPT TO, its address; the listener has counted it against {@code smtp.max-recipients}. */
        void recipient(String recipient) throws Refusal;

        /**
         * The message, read and checked within the listener's limits; returns the text after
         * {@code 250 } (e.g. {@code 2.0.0 Ok: queued as ...}) once it is durable.
         */
        String accept(Message message) throws Refusal;

        /** The transaction ended ({@code result} is {@code accepted}, {@code rejected:<reason>}, ...). */
        void done(String result);
    }

    /**
     * The session a transaction belongs to.
     *
     * @param login the name it authenticated with (AUTH), or empty
     * @param tlsProtocol the TLS protocol in use ({@code TLSv1.3}), or null
     */
    record Session(String id, int transaction, InetSocketAddress client, String helo, Optional<String> login,
                   String tlsProtocol, String tlsCipher, Instant started) {}

    /** A received message: repeatable streams over the same octets. */
    interface Message {
        /** Octets of data as received (after dot-unstuffing). */
        long size();

        /** A fresh stream over the data; the caller closes it. */
        InputStream open() throws IOException;
    }

    /**
     * A refusal: the reply's code, enhanced status and fixed text (never client input), and the
     * reason it is counted under.
     */
    final class Refusal extends Exception {
        private final int code;
        private final String enhanced;
        private final String text;
        private final SmtpMetrics.Reason reason;

        public Refusal(int code, String enhanced, String text, SmtpMetrics.Reason reason) {
            super(code + " " + enhanced + " " + text, null, false, false);
            if (code < 400 || code > 599 || !enhanced.matches("[45]\\.\\d{1,3}\\.\\d{1,3}")
                    || enhanced.charAt(0) != Integer.toString(code).charAt(0)) {
                throw new IllegalArgumentException("a refusal is 4xx or 5xx with a matching enhanced status");
            }
            if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("one line of text");
            }
            this.code = code;
            this.enhanced = enhanced;
            this.text = text;
            this.reason = reason;
        }

        public int code() {
            return code;
        }

        public String enhanced() {
            return enhanced;
        }

        public String text() {
            return text;
        }

        public SmtpMetrics.Reason reason() {
            return reason;
        }
    }
}
