package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.postkontor.smtp.SmtpConfig;
import org.subethamail.smtp.server.Session;

/**
 * The data of one transaction (DATA or BDAT), read to its end under the data timeout into a
 * {@link MessageBuffer}: up to the size limit, the rest drained so the session stays usable, and
 * scanned for what is refused after it ({@link #problem()}). Every listener reads its data here.
 */
final class ReceivedData implements AutoCloseable {

    private final MessageBuffer buffer;
    private final DataScanner scanner;
    private final SmtpConfig config;
    private long size;
    private long endOfData;
    /** Writing the data to smtp.temp-dir failed (e.g. ENOSPC): the rest is drained, then refused. */
    private IOException bufferFailure;

    private ReceivedData(SmtpConfig config) {
        this.config = config;
        this.buffer = new MessageBuffer(config.tempDir(), config.memoryBufferBytes());
        this.scanner = new DataScanner(config.maxLineLength());
    }

    /** The client went away, timed out or outlived the session limit inside the data: answer and drop. */
    static final class Cut extends Exception {
        private final transient Reply reply;

        Cut(Reply reply) {
            super(reply.text(), null, false, false);
            this.reply = reply;
        }

        Reply reply() {
            return reply;
        }
    }

    /** Reads {@code data} to its end; the socket's command timeout is back in force on return. */
    static ReceivedData read(Session session, Connection conn, SmtpConfig config, InputStream data)
            throws Cut, IOException {
        Socket socket = session.getSocket();
        int commandTimeout = socket.getSoTimeout();
        socket.setSoTimeout((int) config.dataTimeout().toMillis());
        ReceivedData d = new ReceivedData(config);
        try {
            d.readAll(data, conn);
            d.endOfData = System.nanoTime();
            return d;
        } catch (Cut | RuntimeException e) {
            d.close();
            throw e;
        } finally {
            try {
                socket.setSoTimeout(commandTimeout);
            } catch (SocketException e) {
                // closed: the session ends anyway
            }
        }
    }

    private void readAll(InputStream data, Connection conn) throws Cut {
        byte[] b = new byte[16384];
        long total = 0;
        while (true) {
            int n;
            try {
                n = data.read(b);
            } catch (SocketTimeoutException e) {
                throw new Cut(Reply.DATA_TIMEOUT);
            } catch (IOException e) {
                // EOF or reset inside DATA or a BDAT chunk, or the watchdog closing the socket.
                throw new Cut(conn.expired() ? Reply.SESSION_TOO_LONG : Reply.CONNECTION_LOST);
            }
            if (n < 0) {
                if (bufferFailure == null) {
                    try {
                        buffer.finish();
                    } catch (IOException e) {
                        bufferFailure = e;
                    }
                }
                size = total;
                return;
            }
            if (total + n <= config.maxMessageSize()) {
                scanner.scan(b, 0, n);
                if (bufferFailure == null) {
                    try {
                        buffer.write(b, 0, n);
                    } catch (IOException e) {
                        bufferFailure = e; // keep reading to the end of the data, so the session stays usable
                    }
                }
            }
            total += n;
            if (conn.expired()) {
                throw new Cut(Reply.SESSION_TOO_LONG);
            }
        }
    }

    /** What refuses this data, checked in this order, or null: size, buffering, NUL, line length, loop. */
    Reply problem() {
        if (size > config.maxMessageSize()) {
            return Reply.TOO_BIG;
        }
        if (bufferFailure != null) {
            return Reply.forTempFile(bufferFailure);
        }
        if (scanner.sawNul()) {
            return Reply.NUL_IN_DATA;
        }
        if (scanner.sawLongLine()) {
            return Reply.LINE_TOO_LONG;
        }
        if (scanner.receivedHeaders() > config.maxReceivedHeaders()) {
            return Reply.LOOP;
        }
        return null;
    }

    /** Octets of data received (after dot-unstuffing), the drained ones included. */
    long size() {
        return size;
    }

    /** {@link System#nanoTime()} when the end of the data was read. */
    long endOfData() {
        return endOfData;
    }

    IOException bufferFailure() {
        return bufferFailure;
    }

    /** A fresh stream over the data; the caller closes it. */
    InputStream open() throws IOException {
        return buffer.open();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
