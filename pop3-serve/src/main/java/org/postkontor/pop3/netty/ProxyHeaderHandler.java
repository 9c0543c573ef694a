package org.postkontor.pop3.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With {@code pop3.proxy-protocol}: takes the PROXY protocol v1 or v2 header that Netty's
 * {@code HAProxyMessageDecoder} (in front of it) decoded, builds the rest of the pipeline for the
 * client it names ({@link Pop3ChannelInitializer#setUp}), starts it (the greeting goes out) and
 * leaves; bytes that came behind the header go on to the new handlers.
 *
 * <p>As SMTP's {@code smtp.proxy-protocol}: every connection must start with a header; a missing
 * or malformed one closes the connection without a reply (the decoder drops it, as the
 * specification says), and so does none within the idle timeout. A v2 LOCAL command, a v1
 * {@code UNKNOWN} or a protocol other than TCP over IPv4 or IPv6 keeps the balancer's address, as
 * the specification asks. The balancer is trusted: turn this on only where nothing else can connect.
 */
final class ProxyHeaderHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger("postkontor.pop3");

    private final Pop3ChannelInitializer initializer;
    private final InetSocketAddress balancer;
    private final Duration timeout;
    private ScheduledFuture<?> deadline;
    private boolean refused;

    /** {@code balancer}: the connection's own remote address (null if unknown). */
    ProxyHeaderHandler(Pop3ChannelInitializer initializer, InetSocketAddress balancer, Duration timeout) {
        this.initializer = initializer;
        this.balancer = balancer;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> refuse(ctx, "no header in time"), timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InetSocketAddress client;
        try {
            client = client(header);
        } catch (UnknownHostException e) {
            refuse(ctx, "bad source address");
            return;
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
        initializer.setUp(ctx.channel(), client);
        ctx.channel().pipeline().fireChannelActive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuse(ctx, cause.getClass().getSimpleName());
    }

    /** The client the header names, or the balancer when it names none. */
    InetSocketAddress client(HAProxyMessage header) throws UnknownHostException {
        HAProxyProxiedProtocol p = header.proxiedProtocol();
        if (header.command() != HAProxyCommand.PROXY || header.sourceAddress() == null
                || (p != HAProxyProxiedProtocol.TCP4 && p != HAProxyProxiedProtocol.TCP6)) {
            return balancer;
        }
        // an address literal the decoder has checked: no name lookup
        return new InetSocketAddress(InetAddress.getByName(header.sourceAddress()), header.sourcePort());
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        if (!refused) {
            refused = true;
            LOG.debug("event=proxy_header_refused reason={}", why);
            initializer.metrics().connectionRefused("other");
        }
        ctx.close();
    }
}
