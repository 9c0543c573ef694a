package org.postkontor.pop3;

import java.util.Objects;

/**
 * What a session knows about its connection.
 *
 * @param sessionId     short id for logs
 * @param clientAddress the client's IP address as text (for limits and logs, never for labels)
 * @param loopback      the client is on 127.0.0.0/8 or ::1
 * @param implicitTls   accepted on the implicit-TLS listener (port 995)
 * @param stlsAvailable STLS can be offered (plain listener with a TLS context)
 */
public record Connection(String sessionId, String clientAddress, boolean loopback, boolean implicitTls,
                         boolean stlsAvailable) {
    public Connection {
        Objects.requireNonNull(sessionId);
        Objects.requireNonNull(clientAddress);
    }
}
