package org.postkontor.pop3.netty;

import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Where the POP3 listeners get the {@link SSLEngine} of each TLS connection (POP3S, or after STLS):
 * the JDK's through an {@link SSLContext} ({@link #of}), or the appliance's OpenSSL engines. Asked
 * once per connection, so a source that reloads its certificate is honoured by new connections.
 */
public interface TlsEngines {

    /** TLS 1.2 and 1.3 only, whatever the source enables. */
    Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    /** A server-mode engine for one connection; {@code alloc} is the channel's allocator. */
    SSLEngine newEngine(ByteBufAllocator alloc);

    /** The handshake of an engine from {@link #newEngine} ended: {@code failure} is null if it succeeded. */
    default void handshakeEnded(SSLEngine engine, Throwable failure) {}

    /** Engines from the JDK's {@code context}, in server mode with only TLS 1.2 and 1.3 enabled; null for null. */
    static TlsEngines of(SSLContext context) {
        if (context == null) {
            return null;
        }
        return alloc -> {
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            engine.setEnabledProtocols(Arrays.stream(engine.getSupportedProtocols())
                    .filter(PROTOCOLS::contains).toArray(String[]::new));
            return engine;
        };
    }
}
