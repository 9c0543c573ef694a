package org.postkontor.pop3.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.postkontor.pop3.DotStuffer;
import org.postkontor.pop3.Pop3Session;
import org.postkontor.pop3.Reply;
import org.postkontor.pop3.ResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts one channel to one {@link Pop3Session}. A line the session answers at once (a TRANSACTION
 * command answered from the snapshot, or RETR/TOP of a body the maildrop reads from a local file:
 * {@link Pop3Session#answersAtOnce}) is handled right on the event loop when nothing is queued
 * before it and the channel is writable: no thread hand-off. A reply up to {@link #PIECE} bytes
 * goes out in one write; a longer body is pulled piece by piece by Netty's
 * {@link ChunkedWriteHandler} while the channel is writable (back-pressure), and the lines after
 * it wait until it is written. Any other line is queued in order and handled one at a time on a
 * worker (virtual thread) so that password checks, QUIT's removals and remote store reads never
 * block the event loop; replies are written from there, and a body (from a remote store) is
 * pumped piece by piece only while the channel is writable. When the queue backs up (a client
 * pipelining without reading) reading pauses. Whoever handles a line (event loop or worker) holds
 * {@code running}, an event-loop body until it is written, so the session sees one call at a time
 * and replies go out in order.
 *
 * <p>STLS (RFC 2595 §4): when a line that may be STLS arrives, reading stops and every later line
 * is held aside. If the session accepts STLS, the held lines and any unframed octets are dropped,
 * the SslHandler is added, then {@code +OK} is written; if it refuses, the held lines are handled
 * as usual.
 */
public final class Pop3ChannelHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger("postkontor.pop3");
    private static final int MAX_QUEUED = 64;
    /** A body goes out in pieces of at least this many bytes (the last may be smaller). */
    private static final int PIECE = 32 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private final Function<Channel, Pop3Session> sessions;
    private final Executor worker;
    private final Pop3ChannelInitializer initializer;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final ReentrantLock writability = new ReentrantLock();
    private final Condition writable = writability.newCondition();

    private Channel channel;
    private Pop3Session session;
    private volatile String endReason;

    // event loop only
    private boolean stlsPending;
    // set when a line's reply went to the ChunkedWriteHandler: running is then given up by that
    // write's listener (when the body is written), not by the line's handler
    private boolean releasedByBody;
    private volatile boolean pausedForBacklog;
    // set by the worker while the session computes a reply (a login hashing or waiting out its
    // failed-login delay): the client is waiting for us then, not idle (read on the event loop)
    private volatile boolean handling;
    // worker only
    private boolean closing;
    private final List<Object> held = new ArrayList<>();

    Pop3ChannelHandler(Function<Channel, Pop3Session> sessions, Executor worker, Pop3ChannelInitializer initializer) {
        this.sessions = sessions;
        this.worker = worker;
        this.initializer = initializer;
    }

    /** Marker events for the worker. */
    private enum Event { SHUTDOWN }

    private record End(String how) {}

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        session = sessions.apply(channel);
        write(session.greeting(), true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (stlsPending) {
            held.add(msg);
            return;
        }
        if (msg instanceof String line && maybeStls(line)) {
            stlsPending = true;
            channel.config().setAutoRead(false);
        }
        if (!handledAtOnce(msg)) {
            submit(msg);
        }
        if (queue.size() > MAX_QUEUED && !pausedForBacklog) {
            pausedForBacklog = true;
            channel.config().setAutoRead(false);
        }
    }

    /**
     * Event loop: handles {@code msg} here if it is a line the session answers at once, nothing is
     * queued or running before it and the channel can take the reply; false if it must be queued.
     */
    private boolean handledAtOnce(Object msg) {
        if (!(msg instanceof String line) || stlsPending || !queue.isEmpty() || !channel.isWritable()
                || !running.compareAndSet(false, true)) {
            return false;
        }
        boolean handled = false;
        try {
            if (queue.isEmpty() && session.answersAtOnce(line)) {
                process(line, true);
                handled = true;
            }
        } finally {
            if (!releasedByBody) {
                release();
            }
            releasedByBody = false;
        }
        return handled;
    }

    /** Gives up {@code running}; a worker takes over what was queued meanwhile. */
    private void release() {
        running.set(false);
        if (!queue.isEmpty() && running.compareAndSet(false, true)) {
            worker.execute(this::drain);
        }
    }

    private boolean maybeStls(String line) {
        return initializer.stlsAvailable() && line.equalsIgnoreCase("STLS") && channel.pipeline().get(SslHandler.class) == null;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (handling) {
                return; // the server owes a reply; the idle timer fires again if the client stays quiet
            }
            endReason = "idle_timeout";
            channel.writeAndFlush(line("-ERR idle for too long; closing connection"))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (hs.isSuccess()) {
                String protocol = channel.pipeline().get(SslHandler.class).engine().getSession().getProtocol();
                initializer.metrics().tlsHandshake(protocol);
                Pop3Session s = session;
                if (s != null) {
                    s.tlsEstablished(protocol);
                }
            } else {
                initializer.metrics().tlsHandshakeFailed();
                if (endReason == null) {
                    endReason = "tls_failed";
                }
                channel.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        signalWritability();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        signalWritability();
        held.clear();
        if (session != null) {
            submit(new End(endReason != null ? endReason : "client_closed"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (endReason == null) {
            endReason = cause instanceof IOException ? "client_closed" : "error";
        }
        if (!(cause instanceof IOException)) {
            LOG.warn("session={} event=channel_error error={}", session == null ? "-" : session.connection().sessionId(),
                    cause.toString());
        }
        ctx.close();
    }

    /** Server shutdown: after the command in progress, say so and close. Any thread. */
    void shutdown() {
        submit(Event.SHUTDOWN);
    }

    private void signalWritability() {
        writability.lock();
        try {
            writable.signalAll();
        } finally {
            writability.unlock();
        }
    }

    private void submit(Object event) {
        queue.add(event);
        if (running.compareAndSet(false, true)) {
            worker.execute(this::drain);
        }
    }

    // ---- worker side --------------------------------------------------------------------------

    private void drain() {
        do {
            Object ev;
            while ((ev = queue.poll()) != null) {
                process(ev, false);
            }
            if (pausedForBacklog) {
                channel.eventLoop().execute(this::resumeAfterBacklog);
            }
            running.set(false);
        } while (!queue.isEmpty() && running.compareAndSet(false, true));
    }

    private void resumeAfterBacklog() {
        if (pausedForBacklog && queue.size() <= MAX_QUEUED / 2) {
            pausedForBacklog = false;
            if (!stlsPending) {
                channel.config().setAutoRead(true);
            }
        }
    }

    /** One event, by whoever holds {@code running}; {@code atOnce}: on the event loop. */
    private void process(Object ev, boolean atOnce) {
        if (ev instanceof End end) {
            session.end(end.how());
            return;
        }
        if (closing || !channel.isActive() || session.finished()) {
            return; // the connection is going; End will follow
        }
        if (ev == Event.SHUTDOWN) {
            closing = true;
            endReason = "shutdown";
            channel.writeAndFlush(line("-ERR [" + ResponseCode.SYS_TEMP.text() + "] server shutting down"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        Reply reply;
        boolean stlsCandidate = false;
        handling = true;
        try {
            if (ev instanceof Pop3FrameDecoder.FrameError error) {
                reply = session.malformedLine(error == Pop3FrameDecoder.FrameError.TOO_LONG);
            } else {
                String line = (String) ev;
                stlsCandidate = line.equalsIgnoreCase("STLS");
                reply = session.handle(line);
            }
        } finally {
            handling = false;
        }
        if (reply instanceof Reply.StartTls startTls) {
            channel.eventLoop().execute(() -> startTls(startTls));
        } else {
            write(reply, atOnce);
            if (stlsCandidate) {
                channel.eventLoop().execute(this::stlsRefused);
            }
        }
        if (session.finished()) {
            endReason = session.finishReason();
            closing = true;
            channel.writeAndFlush(channel.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Event loop: STLS accepted. TLS first, then +OK in clear (startTls flag), then read again. */
    private void startTls(Reply.StartTls reply) {
        if (!stlsPending) {
            return;
        }
        int dropped = held.size();
        held.clear();
        channel.pipeline().get(Pop3FrameDecoder.class).discardBuffered();
        initializer.addStartTls(channel);
        channel.writeAndFlush(line(reply.statusLine()));
        stlsPending = false;
        if (dropped > 0) {
            LOG.info("session={} event=stls_pipelined_dropped lines={}", session.connection().sessionId(), dropped);
        }
        channel.config().setAutoRead(true);
    }

    /** Event loop: the line that looked like STLS was refused; go on with what was held. */
    private void stlsRefused() {
        if (!stlsPending) {
            return;
        }
        stlsPending = false;
        List<Object> lines = new ArrayList<>(held);
        held.clear();
        for (Object o : lines) {
            channelReadHeld(o);
        }
        if (!stlsPending && !pausedForBacklog) {
            channel.config().setAutoRead(true);
        }
    }

    private void channelReadHeld(Object msg) {
        if (stlsPending) {
            held.add(msg);
            return;
        }
        if (msg instanceof String line && maybeStls(line)) {
            stlsPending = true;
        }
        submit(msg);
    }

    /** {@code atOnce}: on the event loop, where a body never waits for the channel. */
    private void write(Reply reply, boolean atOnce) {
        switch (reply) {
            case Reply.Lines lines -> {
                ByteBuf buf = channel.alloc().buffer(64 + lines.lines().size() * 24);
                appendLine(buf, reply.statusLine());
                for (String l : lines.lines()) {
                    if (l.startsWith(".")) {
                        buf.writeByte('.');
                    }
                    appendLine(buf, l);
                }
                appendLine(buf, ".");
                channel.writeAndFlush(buf);
            }
            case Reply.Body body -> streamBody(body, atOnce);
            default -> channel.writeAndFlush(line(reply.statusLine()));
        }
    }

    /**
     * The status line, the dot-stuffed body and its terminator, in pieces of at least {@link #PIECE}
     * bytes (the last may be smaller). On the event loop ({@code atOnce}) a reply that fits in one
     * piece is written at once, a longer one handed to the {@link ChunkedWriteHandler}; on the
     * worker each piece waits until the channel is writable (back-pressure).
     */
    private void streamBody(Reply.Body body, boolean atOnce) {
        ByteBuf status = channel.alloc().buffer(PIECE + DotStuffer.minOutput());
        appendLine(status, body.statusLine());
        InputStream in = body.body();
        StuffedBody reply = new StuffedBody(status, in, new DotStuffer(in, body.bodyLines()), PIECE);
        if (atOnce) {
            chunked(reply);
            return;
        }
        try {
            ByteBuf piece;
            while ((piece = reply.readChunk(channel.alloc())) != null) {
                if (!send(piece)) {
                    return;
                }
            }
        } catch (IOException e) {
            streamFailed(e);
        } finally {
            closeQuietly(reply);
        }
    }

    /** Event loop: writes {@code reply}, in one piece if it fits, else through the chunked writer. */
    private void chunked(StuffedBody reply) {
        try {
            if (reply.readFirst()) {
                channel.writeAndFlush(reply.takeFirst());
                closeQuietly(reply);
                return;
            }
        } catch (IOException e) {
            closeQuietly(reply);
            streamFailed(e);
            return;
        }
        if (channel.pipeline().get(ChunkedWriteHandler.class) == null) {
            channel.pipeline().addBefore("pop3", "chunks", new ChunkedWriteHandler());
        }
        releasedByBody = true;
        channel.writeAndFlush(reply).addListener(f -> {
            if (!f.isSuccess() && channel.isActive()) {
                streamFailed(f.cause());
            }
            release();
        });
    }

    private static void closeQuietly(StuffedBody reply) {
        try {
            reply.close();
        } catch (IOException ignored) {
            // a read-only file
        }
    }

    private void streamFailed(Throwable e) {
        LOG.warn("session={} event=store_error during=stream error={}", session.connection().sessionId(), e.toString());
        endReason = "error";
        channel.close(); // the client has a partial body, or no answer at all; only closing tells it
    }

    /** Writes {@code piece} once the channel can take it; false (and released) if it closed. */
    private boolean send(ByteBuf piece) {
        if (!awaitWritable()) {
            piece.release();
            return false;
        }
        channel.writeAndFlush(piece);
        return true;
    }

    /** Waits until the channel can take more; false if it closed. */
    private boolean awaitWritable() {
        writability.lock();
        try {
            while (channel.isActive() && !channel.isWritable()) {
                try {
                    writable.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return channel.isActive();
        } finally {
            writability.unlock();
        }
    }

    private ByteBuf line(String text) {
        ByteBuf buf = channel.alloc().buffer(text.length() + 2);
        appendLine(buf, text);
        return buf;
    }

    private static void appendLine(ByteBuf buf, String text) {
        buf.writeCharSequence(text, StandardCharsets.UTF_8);
        buf.writeBytes(CRLF);
    }
}
