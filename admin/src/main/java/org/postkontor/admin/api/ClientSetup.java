package org.postkontor.admin.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a mail client is told to use: the host name clients connect to and, for each protocol, the
 * public port and how it is secured. Never a plaintext setting. The DNS records of a domain
 * ({@link DnsRecords}), the autoconfig answers and the self-service page's settings are all made
 * from one value of this, so they never disagree.
 *
 * <p>Incoming is POP3 over implicit TLS. Outgoing is empty until authenticated submission is built;
 * then {@link #withSubmission} adds it, and every answer (Thunderbird, Autodiscover, Apple, SRV
 * records) announces it with no other change.
 *
 * @param mailHost the name clients connect to (a host name the certificate covers)
 */
public record ClientSetup(String mailHost, List<Server> incoming, List<Server> outgoing) {

    public enum Protocol { POP3, SMTP }

    /** {@code SSL}: TLS from the first byte (RFC 8314); {@code STARTTLS}: upgraded before login. */
    public enum Security { SSL, STARTTLS }

    public record Server(Protocol protocol, int port, Security security) {
        public Server {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(security, "security");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1 to 65535");
            }
        }

        /** The RFC 6186 / RFC 8314 SRV service label, e.g. {@code _pop3s}. */
        public String srvService() {
            return switch (protocol) {
                case POP3 -> security == Security.SSL ? "_pop3s" : "_pop3";
                case SMTP -> security == Security.SSL ? "_submissions" : "_submission";
            };
        }
    }

    public ClientSetup {
        Objects.requireNonNull(mailHost, "mailHost");
        incoming = List.copyOf(incoming);
        outgoing = List.copyOf(outgoing);
    }

    /** POP3 over implicit TLS on {@code pop3sPort}, no outgoing server yet. */
    public static ClientSetup pop3s(String mailHost, int pop3sPort) {
        return new ClientSetup(mailHost, List.of(new Server(Protocol.POP3, pop3sPort, Security.SSL)), List.of());
    }

    /** The same, announcing authenticated submission on {@code port} as well. */
    public ClientSetup withSubmission(int port, Security security) {
        List<Server> out = new ArrayList<>(outgoing);
        out.add(new Server(Protocol.SMTP, port, security));
        return new ClientSetup(mailHost, incoming, out);
    }
}
