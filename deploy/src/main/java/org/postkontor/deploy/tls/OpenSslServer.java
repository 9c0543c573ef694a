package org.postkontor.deploy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import javax.net.ssl.SSLException;

/**
 * Server TLS on OpenSSL: BoringSSL from netty-tcnative's jar, through Netty's {@link SslContextBuilder}.
 * POP3 uses it (see {@link CertificateSource#pop3Engines}): the handshake's elliptic-curve work and
 * the record encryption run in native code instead of the JDK's Java code, which the JIT compiler
 * must first compile (and, on a one-core box, compiles again in the middle of a load).
 */
final class OpenSslServer {

    private OpenSslServer() {}

    /** Whether the native library loaded on this machine; if not, {@link #unavailableReason}. */
    static boolean available() {
        return OpenSsl.isAvailable();
    }

    static String unavailableReason() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return cause == null ? "none" : cause.toString();
    }

    /**
     * A server context for {@code credentials} with {@code policy}'s protocols and those of its
     * suites BoringSSL has, the server's order preferred (Netty sets that for OpenSSL servers).
     * TLS 1.3's three suites are always on in BoringSSL; all three are in every profile.
     */
    static SslContext context(PemCredentials credentials, TlsPolicy policy) throws TlsException {
        try {
            return SslContextBuilder.forServer(credentials.key(), credentials.chain())
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols(policy.protocols())
                    .ciphers(policy.cipherSuites(), SupportedCipherSuiteFilter.INSTANCE)
                    .build();
        } catch (SSLException | RuntimeException e) {
            throw new TlsException("OpenSSL refused the certificate or key: " + e.getMessage(), e);
        }
    }
}
