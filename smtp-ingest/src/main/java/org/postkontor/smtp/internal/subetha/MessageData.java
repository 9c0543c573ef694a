package org.postkontor.smtp.internal.subetha;

import java.io.IOException;
import org.postkontor.smtp.internal.AdaptedSocket;
import org.postkontor.smtp.internal.CommandInput;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.server.Session;

/**
 * How DATA and BDAT read a message: with the socket's {@link CommandInput} letting the data pass
 * unchanged, and checking command lines again afterwards, the ones the library buffered behind the
 * data included.
 */
final class MessageData {
    private MessageData() {}

    /** What reads the data and replies (the library's message handler behind it). */
    @FunctionalInterface
    interface Reader {
        void read() throws IOException, DropConnectionException;
    }

    static void read(Session session, Reader reader) throws IOException, DropConnectionException {
        CommandInput input = ((AdaptedSocket) session.getSocket()).input();
        input.data();
        try {
            reader.read();
        } finally {
            input.commands(session.getRawInput());
        }
    }
}
