package org.postkontor.deploy.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import org.postkontor.pop3.netty.TlsEngines;
import org.postkontor.store.testing.TestCertificates;

/**
 * Real handshakes against a server {@link SSLContext}: over sockets (the STARTTLS way), between
 * engines (the Netty way), and through Netty over a loopback socket (POP3's {@link TlsEngines}).
 */
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
            Result r = connect(ss.getLocalPort(), clientProtocols, clientSuites);
            accept.get(20, TimeUnit.SECONDS);
            return r;
        } finally {
            ex.shutdownNow();
        }
    }

    /**
     * A Netty server on 127.0.0.1 with an {@link SslHandler} over an engine of {@code engines}, which
     * is told when the handshake ends (as POP3's pipeline does); the client as in {@link #overSocket}.
     */
    static Result overNetty(TlsEngines engines, String[] clientProtocols, String[] clientSuites) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SSLEngine engine = engines.newEngine(ch.alloc());
                            SslHandler tls = new SslHandler(engine);
                            tls.handshakeFuture().addListener(f -> {
                                engines.handshakeEnded(engine, f.cause());
                                if (f.isSuccess()) {
                                    ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'}));
                                }
                            });
                            ch.pipeline().addLast(tls);
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            try {
                return connect(((InetSocketAddress) server.localAddress()).getPort(), clientProtocols, clientSuites);
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A JDK client trusting anything: handshake, read one byte, answer one; what it saw. */
    private static Result connect(int port, String[] clientProtocols, String[] clientSuites) throws Exception {
        SSLContext client = TestCertificates.trustAllClientContext();
        try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
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
            return r;
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
