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
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.postkontor.pop3.ConnectionLimiter;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.SessionServices;
import org.postkontor.store.Accounts;
import org.postkontor.store.MaildropStore;

/**
 * The {@link Pop3Server} on Netty: event loops, the two listeners, the open channels, and the
 * virtual-thread executor that runs sessions' blocking work.
 *
 * <p>The TLS engines ({@link TlsEngines}, or an {@code SSLContext}) may be null: then there is no
 * TLS listener (the config must set {@code pop3.tls-port} to -1) and no STLS. An engine is made per
 * connection, so a source that reloads its certificates is honoured; only TLSv1.3 and TLSv1.2 are
 * enabled.
 */
public final class NettyPop3Server implements Pop3Server {

    private final SessionServices services;
    private final TlsEngines tlsEngines;
    private final Pop3Config config;

    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ExecutorService sessionWork;
    private ChannelGroup channels;
    private Channel plain;
    private Channel tls;
    private boolean started;
    private volatile boolean running;

    public NettyPop3Server(Pop3Config config, MaildropStore maildrops, Accounts accounts, Pop3Metrics metrics,
                           Clock clock, SSLContext sslContext) {
        this(SessionServices.create(Objects.requireNonNull(config, "config"), maildrops, accounts,
                metrics == null ? Pop3Metrics.NOOP : metrics, clock), sslContext);
    }

    /** With prepared services (tests swap the sleeper or throttles). */
    public NettyPop3Server(SessionServices services, SSLContext sslContext) {
        this(services, TlsEngines.of(sslContext));
    }

    /** With prepared services and the engines of TLS connections (null: no TLS). */
    public NettyPop3Server(SessionServices services, TlsEngines tlsEngines) {
        this.services = Objects.requireNonNull(services, "services");
        this.tlsEngines = tlsEngines;
        this.config = services.config();
        if (tlsEngines == null && config.tlsPort() >= 0) {
            throw new IllegalArgumentException("pop3.tls-port needs a TLS certificate; set it to -1 or configure TLS");
        }
    }

    @Override
    public synchronized void start() throws IOException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        sessionWork = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pop3-session-", 0).factory());
        channels = new DefaultChannelGroup("pop3", GlobalEventExecutor.INSTANCE);
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerAddress());
        try {
            if (config.plainPort() >= 0) {
                plain = bind(config.plainPort(), new Pop3ChannelInitializer(false, services, tlsEngines, sessionWork,
                        limiter, channels));
            }
            if (config.tlsPort() >= 0) {
                tls = bind(config.tlsPort(), new Pop3ChannelInitializer(true, services, tlsEngines, sessionWork,
                        limiter, channels));
            }
        } catch (IOException | RuntimeException e) {
            close(Duration.ZERO);
            throw e;
        }
        running = true;
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

    @Override
    public int plainPort() {
        return plain == null ? -1 : ((InetSocketAddress) plain.localAddress()).getPort();
    }

    @Override
    public int tlsPort() {
        return tls == null ? -1 : ((InetSocketAddress) tls.localAddress()).getPort();
    }

    @Override
    public int openConnections() {
        return channels == null ? 0 : channels.size();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Pop3Config config() {
        return config;
    }

    /**
     * Stops accepting, tells every session to finish its command in progress and close (-ERR
     * [SYS/TEMP]), waits up to {@code grace} for them, then closes what is left. Maildrops are
     * closed without deleting anything.
     */
    @Override
    public synchronized void stop(Duration grace) {
        if (!running) {
            return;
        }
        running = false;
        close(grace);
    }

    private void close(Duration grace) {
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
