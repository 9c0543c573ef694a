package org.postkontor.smtp.filter;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the SMTP transaction knows besides the message, as a filter needs it.
 *
 * @param clientIp          the client's IP address (the PROXY source when PROXY is on)
 * @param helo              the HELO/EHLO name, if any
 * @param sender            MAIL FROM, empty for the null sender
 * @param recipients        RCPT TO addresses as accepted
 * @param tlsProtocol       e.g. {@code TLSv1.3}, empty on a plain connection
 * @param tlsCipher         the cipher suite, empty on a plain connection
 * @param authenticatedUser the SMTP AUTH identity (submission), empty for inbound mail
 * @param queueId           Postkontor's id of the transaction, for logs on both sides
 * @param serverName        this server's host name (the authserv-id of Authentication-Results)
 */
public record Envelope(String clientIp, Optional<String> helo, String sender, List<String> recipients,
                       Optional<String> tlsProtocol, Optional<String> tlsCipher,
                       Optional<String> authenticatedUser, String queueId, String serverName) {

    public Envelope {
        Objects.requireNonNull(clientIp, "clientIp");
        Objects.requireNonNull(helo, "helo");
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(tlsProtocol, "tlsProtocol");
        Objects.requireNonNull(tlsCipher, "tlsCipher");
        Objects.requireNonNull(authenticatedUser, "authenticatedUser");
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(serverName, "serverName");
    }

    /** Mail from an authenticated user (submission): not scored as inbound mail. */
    public boolean authenticated() {
        return authenticatedUser.isPresent();
    }
}
