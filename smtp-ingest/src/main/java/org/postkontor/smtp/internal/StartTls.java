package org.postkontor.smtp.internal;

import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** SubEthaSMTP's {@code SSLSocketCreator} for STARTTLS: see {@link TlsSocket}. */
public final class StartTls {
    private StartTls() {}

    public static SSLSocket over(Socket socket, SSLContext context) throws IOException {
        return TlsSocket.over(socket, context);
    }
}
