package org.postkontor.smtp.internal;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * Accepts connections as {@link PlainSocket}s, each with a fresh {@link Connection}; on an
 * implicit-TLS listener, with TLS on top ({@link TlsSocket#implicit}).
 */
public final class AdaptedServerSocket extends ServerSocket {

    private final Function<Socket, Connection> connections;
    private final SSLContext implicitTls;

    public AdaptedServerSocket(Function<Socket, Connection> connections) throws IOException {
        this(connections, null);
    }

    /** @param implicitTls TLS from the first byte with this context, or null for plain connections */
    public AdaptedServerSocket(Function<Socket, Connection> connections, SSLContext implicitTls) throws IOException {
        super();
        this.connections = connections;
        this.implicitTls = implicitTls;
    }

    @Override
    public Socket accept() throws IOException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        PlainSocket s = new PlainSocket();
        implAccept(s);
        // Replies are whole and flushed once each: Nagle would hold the second reply of a
        // pipelined group until the client's delayed ACK (tens of ms).
        s.setTcpNoDelay(true);
        s.attach(connections.apply(s));
        return implicitTls == null ? s : TlsSocket.implicit(s, implicitTls);
    }
}
