package org.postkontor.smtp.internal;

import java.io.IOException;

/** A socket handed to SubEthaSMTP by the adapter; knows its {@link Connection}. */
public interface AdaptedSocket {
    Connection connection();

    /** The socket's input as the library reads it. */
    CommandInput input() throws IOException;
}
