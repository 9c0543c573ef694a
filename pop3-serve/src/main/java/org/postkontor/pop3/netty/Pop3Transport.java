package org.postkontor.pop3.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.postkontor.pop3.ConnectionLimiter;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.SessionServices;

/**
 * The Netty side of a POP3 server: event loops, the two listeners, the open channels, and the
 * virtual-thread executor that runs sessions' blocking work. Start once, stop once.
 */
public final class Pop3Transport {

    private final SessionServices services;
    private final SSLContext sslContext;
    private final Pop3Config config;

    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ExecutorService sessionWork;
    private ChannelGroup channels;
    private Channel plain;
    private Channel tls;

    public Pop3Transport(SessionServices services, SSLContext sslContext) {
        this.services = services;
        this.sslContext = sslContext;
        this.config = services.config();
    }

    public void start() throws IOException {
        boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        sessionWork = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pop3-session-", 0).factory());
        channels = new DefaultChannelGroup("pop3", GlobalEventExecutor.INSTANCE);
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerAddress());
        try {
            if (config.plainPort() >= 0) {
                plain = bind(config.plainPort(), new Pop3ChannelInitializer(false, services, sslContext, sessionWork,
                        limiter, channels));
            }
            if (config.tlsPort() >= 0) {
                tls = bind(config.tlsPort(), new Pop3ChannelInitializer(true, services, sslContext, sessionWork,
                        limiter, channels));
            }
        } catch (IOException | RuntimeException e) {
            stop(Duration.ZERO);
            throw e;
        }
    }

    private Channel bind(int port, Pop3ChannelInitializer initializer) throws IOException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                // Listen backlog as large as the connection limit (as the SMTP listener does): a
                // burst of that many connects must not overflow the kernel's accept queue, where
                // Linux drops the client's final ACK and a server-speaks-first client waits for a
                // greeting that never comes. The kernel caps it at net.core.somaxconn.
                .option(ChannelOption.SO_BACKLOG, Math.max(50, config.maxConnections()))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(initializer);
        try {
            return b.bind(new InetSocketAddress(config.bindAddress(), port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + config.bindAddress() + ":" + port, e);
        } catch (Exception e) {
            throw new IOException("cannot listen on " + config.bindAddress() + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int plainPort() {
        return plain == null ? -1 : ((InetSocketAddress) plain.localAddress()).getPort();
    }

    public int tlsPort() {
        return tls == null ? -1 : ((InetSocketAddress) tls.localAddress()).getPort();
    }

    public int openConnections() {
        return channels == null ? 0 : channels.size();
    }

    /**
     * Stops accepting, tells every session to finish its command in progress and close (-ERR
     * [SYS/TEMP]), waits up to {@code grace} for them, then closes what is left. Maildrops are
     * closed without deleting anything.
     */
    public void stop(Duration grace) {
        if (plain != null) {
            plain.close().awaitUninterruptibly();
        }
        if (tls != null) {
            tls.close().awaitUninterruptibly();
        }
        if (channels != null) {
            for (Channel ch : channels) {
                Pop3ChannelHandler h = ch.pipeline().get(Pop3ChannelHandler.class);
                if (h != null) {
                    h.shutdown();
                } else {
                    ch.close();
                }
            }
            long deadline = System.nanoTime() + grace.toNanos();
            while (!channels.isEmpty() && System.nanoTime() < deadline) {
                sleep(20);
            }
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (sessionWork != null) {
            sessionWork.shutdown();
            try {
                if (!sessionWork.awaitTermination(10, TimeUnit.SECONDS)) {
                    sessionWork.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
