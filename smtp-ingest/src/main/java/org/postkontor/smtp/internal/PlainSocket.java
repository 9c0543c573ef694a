package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * The accepted TCP socket. Until STARTTLS its input goes through a {@link CommandInput} and its
 * output through a {@link ReplyWriter}; once the TLS layer is put on top ({@link #rawForTls()}),
 * the raw streams are handed out, so that records are never rewritten (the TLS socket has its own).
 */
final class PlainSocket extends Socket implements AdaptedSocket {

    private Connection connection;
    private OutputStream replies;
    private CommandInput commands;
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
    public synchronized InputStream getInputStream() throws IOException {
        return raw ? super.getInputStream() : input();
    }

    /** Until the greeting a PROXY header may come: bytes pass unchanged until the limiter accepts the session. */
    @Override
    public synchronized CommandInput input() throws IOException {
        if (commands == null) {
            commands = new CommandInput(super.getInputStream(), getOutputStream(), connection, false);
        }
        return commands;
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
