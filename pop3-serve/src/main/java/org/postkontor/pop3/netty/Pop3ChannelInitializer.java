package org.postkontor.pop3.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import org.postkontor.pop3.Connection;
import org.postkontor.pop3.ConnectionLimiter;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Session;
import org.postkontor.pop3.ResponseCode;
import org.postkontor.pop3.SessionServices;

/**
 * The one place that decides the pipeline of a POP3 connection:
 * {@code [tls] → idle → framer → pop3}. {@code tls} is there from the start on the implicit-TLS
 * listener (RFC 8314), or added in front by {@link #addStartTls} when STLS is accepted. A
 * connection over the limits gets one {@code -ERR [SYS/TEMP]} line and is closed.
 *
 * <p>With {@code pop3.proxy-protocol} the pipeline starts as {@code proxy → proxy-header}
 * ({@link ProxyHeaderHandler}); the rest is built once the PROXY header has named the client, so
 * that limits, logs, the login throttle and the loopback rule see the client, not the balancer.
 */
public final class Pop3ChannelInitializer extends ChannelInitializer<Channel> {

    private static final AtomicLong IDS = new AtomicLong();

    private final boolean implicitTls;
    private final SessionServices services;
    private final TlsEngines tls;
    private final Executor worker;
    private final ConnectionLimiter limiter;
    private final ChannelGroup channels;
    private final String idPrefix;

    public Pop3ChannelInitializer(boolean implicitTls, SessionServices services, TlsEngines tls,
                                  Executor worker, ConnectionLimiter limiter, ChannelGroup channels) {
        if (implicitTls && tls == null) {
            throw new IllegalArgumentException("implicit TLS needs TLS engines");
        }
        this.implicitTls = implicitTls;
        this.services = services;
        this.tls = tls;
        this.worker = worker;
        this.limiter = limiter;
        this.channels = channels;
        this.idPrefix = Long.toString(System.nanoTime() & 0xfffff, 36);
    }

    @Override
    protected void initChannel(Channel ch) {
        InetSocketAddress remote = ch.remoteAddress() instanceof InetSocketAddress a ? a : null;
        if (services.config().proxyProtocol()) {
            channels.add(ch); // a stop closes it while it waits for its header
            ch.pipeline().addLast("proxy", new HAProxyMessageDecoder());
            ch.pipeline().addLast("proxy-header", new ProxyHeaderHandler(this, remote, services.config().idleTimeout()));
            return;
        }
        setUp(ch, remote);
    }

    /**
     * Everything after the PROXY header (or from the start without one) for a client at
     * {@code remote} (null if unknown). The caller fires {@code channelActive} to these handlers
     * when the channel was already active.
     */
    void setUp(Channel ch, InetSocketAddress remote) {
        ChannelPipeline p = ch.pipeline();
        String ip = remote == null ? "unknown" : remote.getAddress().getHostAddress();
        ConnectionLimiter.Refusal refusal = limiter.tryAcquire(ip);
        if (refusal != null) {
            metrics().connectionRefused(refusal == ConnectionLimiter.Refusal.MAX_CONNECTIONS
                    ? "max_connections" : "max_per_address");
            if (implicitTls) {
                p.addLast("tls", sslHandler(ch, false));
            }
            p.addLast("refuse", new Refuse());
            return;
        }
        ch.closeFuture().addListener(f -> limiter.release(ip));
        channels.add(ch);
        boolean loopback = remote != null && remote.getAddress().isLoopbackAddress();
        Connection connection = new Connection(idPrefix + "-" + Long.toString(IDS.incrementAndGet(), 36), ip,
                loopback, implicitTls, !implicitTls && tls != null);
        if (implicitTls) {
            p.addLast("tls", sslHandler(ch, false));
        }
        long idleMillis = services.config().idleTimeout().toMillis();
        p.addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
        p.addLast("framer", new Pop3FrameDecoder(services.config().maxSaslLine()));
        p.addLast("pop3", new Pop3ChannelHandler(c -> {
            services.metrics().sessionOpened(implicitTls ? "tls" : "plain");
            return new Pop3Session(connection, services);
        }, worker, this));
    }

    /** STLS accepted: TLS goes in front of everything; the next write (+OK) still goes out in clear. */
    void addStartTls(Channel ch) {
        ch.pipeline().addFirst("tls", sslHandler(ch, true));
    }

    boolean stlsAvailable() {
        return !implicitTls && tls != null;
    }

    Pop3Metrics metrics() {
        return services.metrics();
    }

    private SslHandler sslHandler(Channel ch, boolean startTls) {
        SSLEngine engine = tls.newEngine(ch.alloc());
        SslHandler h = new SslHandler(engine, startTls);
        h.setHandshakeTimeout(services.config().tlsHandshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        h.handshakeFuture().addListener(f -> tls.handshakeEnded(engine, f.cause()));
        return h;
    }

    /** Over the connection limits: one line, then close. */
    private static final class Refuse extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(("-ERR [" + ResponseCode.SYS_TEMP.text()
                    + "] too many connections; try again later\r\n").getBytes(StandardCharsets.US_ASCII)))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
