package org.postkontor.deploy.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} for one service that always uses the <em>current</em> inner context of its
 * {@link CertificateSource} (so a reloaded certificate is presented on the next connection) and
 * restricts every engine and socket it makes to the {@link TlsPolicy}: callers that enable more
 * protocols or suites (Netty's defaults, SubEthaSMTP's "all supported") get the policy's
 * intersection. Already initialized; {@code init} is refused.
 */
public final class PolicySslContext extends SSLContext {

    PolicySslContext(String service, Supplier<SSLContext> current, TlsPolicy policy, TlsEvents events) {
        super(new Spi(service, current, policy, events), current.get().getProvider(), "TLS");
    }

    private static final class Spi extends SSLContextSpi {
        private final String service;
        private final Supplier<SSLContext> current;
        private final TlsPolicy policy;
        private final TlsEvents events;

        Spi(String service, Supplier<SSLContext> current, TlsPolicy policy, TlsEvents events) {
            this.service = service;
            this.current = current;
            this.policy = policy;
            this.events = events;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("this context is initialized by the appliance's certificate source");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new SocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new ServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return new PolicySslEngine(current.get().createSSLEngine(), policy, service, events);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return new PolicySslEngine(current.get().createSSLEngine(host, port), policy, service, events);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.get().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.get().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return policy.parameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return policy.parameters();
        }

        private final class SocketFactory extends SSLSocketFactory {
            @Override
            public String[] getDefaultCipherSuites() {
                return policy.cipherSuites().toArray(String[]::new);
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return getDefaultCipherSuites();
            }

            private Socket wrap(Socket s) {
                return new PolicySslSocket((SSLSocket) s, policy, service, events);
            }

            @Override
            public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                return wrap(current.get().getSocketFactory().createSocket(s, host, port, autoClose));
            }

            @Override
            public Socket createSocket(Socket s, java.io.InputStream consumed, boolean autoClose) throws IOException {
                return wrap(current.get().getSocketFactory().createSocket(s, consumed, autoClose));
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                return wrap(current.get().getSocketFactory().createSocket(host, port));
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
                return wrap(current.get().getSocketFactory().createSocket(host, port, localHost, localPort));
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                return wrap(current.get().getSocketFactory().createSocket(host, port));
            }

            @Override
            public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                    throws IOException {
                return wrap(current.get().getSocketFactory().createSocket(address, port, localAddress, localPort));
            }

            @Override
            public Socket createSocket() throws IOException {
                return wrap(current.get().getSocketFactory().createSocket());
            }
        }

        /**
         * Server sockets (implicit TLS on a blocking listener) are bound to the context current when
         * they are made; accepted sockets inherit the policy's protocols and suites.
         */
        private final class ServerSocketFactory extends SSLServerSocketFactory {
            @Override
            public String[] getDefaultCipherSuites() {
                return policy.cipherSuites().toArray(String[]::new);
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return getDefaultCipherSuites();
            }

            private ServerSocket restrict(ServerSocket s) {
                SSLServerSocket ss = (SSLServerSocket) s;
                ss.setSSLParameters(policy.apply(ss.getSSLParameters()));
                return ss;
            }

            @Override
            public ServerSocket createServerSocket() throws IOException {
                return restrict(current.get().getServerSocketFactory().createServerSocket());
            }

            @Override
            public ServerSocket createServerSocket(int port) throws IOException {
                return restrict(current.get().getServerSocketFactory().createServerSocket(port));
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) throws IOException {
                return restrict(current.get().getServerSocketFactory().createServerSocket(port, backlog));
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
                return restrict(current.get().getServerSocketFactory().createServerSocket(port, backlog, ifAddress));
            }
        }
    }
}
