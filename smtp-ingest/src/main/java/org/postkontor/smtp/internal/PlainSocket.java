package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * The accepted TCP socket. Until STARTTLS its output goes through a {@link ReplyWriter}; once the
 * TLS layer is put on top ({@link #rawForTls()}), the raw stream is handed out, so that records
 * are never rewritten (the TLS socket has its own {@link ReplyWriter}).
 */
final class PlainSocket extends Socket implements AdaptedSocket {

    private Connection connection;
    private OutputStream replies;
    private volatile boolean raw;

    PlainSocket() {
        super();
    }

    void attach(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    void rawForTls() {
        raw = true;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (raw) {
            return super.getOutputStream();
        }
        if (replies == null) {
            replies = new ReplyWriter(super.getOutputStream(), connection, false);
        }
        return replies;
    }
}
