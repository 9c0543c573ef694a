package org.postkontor.deploy.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.postkontor.store.testing.TestCertificates;

/** Real handshakes against a server {@link SSLContext}: over sockets (the STARTTLS way) and between engines (the Netty way). */
public final class Handshakes {
    private Handshakes() {}

    /** What the client saw. */
    public record Result(X509Certificate peer, String protocol, String suite) {}

    /**
     * The server accepts a plain TCP connection on 127.0.0.1 and layers TLS over it with
     * {@code server.getSocketFactory().createSocket(socket, host, port, true)} after enabling
     * everything the socket says it supports (as SubEthaSMTP does); the client connects with
     * {@code clientProtocols} and {@code clientSuites} (null = defaults).
     */
    static Result overSocket(SSLContext server, String[] clientProtocols, String[] clientSuites) throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<?> accept = ex.submit(() -> {
                try (Socket plain = ss.accept()) {
                    SSLSocket tls = (SSLSocket) server.getSocketFactory().createSocket(plain,
                            plain.getInetAddress().getHostAddress(), plain.getPort(), true);
                    tls.setUseClientMode(false);
                    tls.setEnabledProtocols(tls.getSupportedProtocols());
                    tls.setEnabledCipherSuites(tls.getSupportedCipherSuites());
                    tls.startHandshake();
                    tls.getOutputStream().write('x');
                    tls.getOutputStream().flush();
                    tls.getInputStream().read();
                } catch (IOException e) {
                    // the client sees the failure
                }
                return null;
            });
            SSLContext client = TestCertificates.trustAllClientContext();
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    ss.getLocalPort())) {
                c.setSoTimeout(20_000);
                if (clientProtocols != null) {
                    c.setEnabledProtocols(clientProtocols);
                }
                if (clientSuites != null) {
                    c.setEnabledCipherSuites(clientSuites);
                }
                c.startHandshake();
                c.getInputStream().read();
                Result r = new Result((X509Certificate) c.getSession().getPeerCertificates()[0],
                        c.getSession().getProtocol(), c.getSession().getCipherSuite());
                c.getOutputStream().write('y');
                c.getOutputStream().flush();
                accept.get(20, TimeUnit.SECONDS);
                return r;
            }
        } finally {
            ex.shutdownNow();
        }
    }

    /** A handshake between {@code server.createSSLEngine()} and a client engine, in memory (bounded loop). */
    public static Result betweenEngines(SSLContext server) throws Exception {
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        SSLEngine c = TestCertificates.trustAllClientContext().createSSLEngine("localhost", 995);
        c.setUseClientMode(true);
        int size = 64 * 1024;
        ByteBuffer cToS = ByteBuffer.allocate(size);
        ByteBuffer sToC = ByteBuffer.allocate(size);
        ByteBuffer appC = ByteBuffer.allocate(size);
        ByteBuffer appS = ByteBuffer.allocate(size);
        ByteBuffer empty = ByteBuffer.allocate(0);
        c.beginHandshake();
        s.beginHandshake();
        for (int i = 0; i < 200; i++) {
            step(c, empty, cToS, sToC, appC);
            step(s, empty, sToC, cToS, appS);
            if (done(c) && done(s)) {
                return new Result((X509Certificate) c.getSession().getPeerCertificates()[0], c.getSession().getProtocol(),
                        c.getSession().getCipherSuite());
            }
        }
        throw new SSLException("handshake did not finish in 200 rounds");
    }

    private static boolean done(SSLEngine e) {
        return e.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void step(SSLEngine e, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer app)
            throws SSLException {
        e.wrap(empty, out);
        in.flip();
        e.unwrap(in, app);
        in.compact();
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
