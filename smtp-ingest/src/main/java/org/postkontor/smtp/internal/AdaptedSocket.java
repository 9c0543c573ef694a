package org.postkontor.smtp.internal;

/** A socket handed to SubEthaSMTP by the adapter; knows its {@link Connection}. */
public interface AdaptedSocket {
    Connection connection();
}
