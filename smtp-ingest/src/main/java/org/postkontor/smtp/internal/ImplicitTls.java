package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/** What the PROXY handler needs to know of a session's socket before its implicit TLS begins. */
public final class ImplicitTls {

    private ImplicitTls() {}

    /**
     * The raw bytes of an implicit-TLS connection whose handshake has not begun (where a PROXY
     * header precedes the ClientHello), or null for any other socket.
     */
    public static InputStream inputBeforeHandshake(Socket socket) throws IOException {
        return socket instanceof TlsSocket t ? t.inputBeforeHandshake() : null;
    }
}
