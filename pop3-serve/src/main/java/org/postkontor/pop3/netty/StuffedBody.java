package org.postkontor.pop3.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import java.io.IOException;
import java.io.InputStream;
import org.postkontor.pop3.DotStuffer;

/**
 * The rest of a RETR or TOP reply (dot-stuffed body and terminator) as a {@link ChunkedInput}, for
 * Netty's {@code ChunkedWriteHandler} to pull on the event loop while the channel is writable.
 * {@code first} is what was already read (the status line and the first piece); the stream is
 * closed with the input. Pieces are at least {@code piece} bytes, the last may be smaller.
 */
final class StuffedBody implements ChunkedInput<ByteBuf> {

    private final InputStream in;
    private final DotStuffer stuffer;
    private final int piece;
    private final byte[] out = new byte[DotStuffer.minOutput()];
    private ByteBuf first;
    private boolean drained;
    private long progress;

    StuffedBody(ByteBuf first, InputStream in, DotStuffer stuffer, int piece) {
        this.first = first;
        this.in = in;
        this.stuffer = stuffer;
        this.piece = piece;
    }

    @Override
    public boolean isEndOfInput() {
        return first == null && drained;
    }

    @Override
    public void close() throws IOException {
        if (first != null) {
            first.release();
            first = null;
        }
        in.close();
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws IOException {
        return readChunk(ctx.alloc());
    }

    /**
     * Reads the first piece now, after what {@code first} holds; true if that was the whole reply,
     * which {@link #takeFirst()} then hands over (a body that fits in one piece needs no chunked
     * writing).
     */
    boolean readFirst() throws IOException {
        ByteBuf f = first;
        first = null;
        first = fill(f);
        return drained;
    }

    /** The first piece, now the caller's to write or release. */
    ByteBuf takeFirst() {
        ByteBuf f = first;
        first = null;
        return f;
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws IOException {
        ByteBuf chunk = first;
        first = null;
        if (chunk == null) {
            if (drained) {
                return null;
            }
            chunk = allocator.buffer(piece + out.length);
        }
        return fill(chunk);
    }

    /** Adds to {@code chunk} until it holds a piece or the reply's end; released on failure. */
    private ByteBuf fill(ByteBuf chunk) throws IOException {
        try {
            while (!drained && chunk.readableBytes() < piece) {
                int n = stuffer.read(out);
                if (n < 0) {
                    drained = true;
                } else {
                    chunk.writeBytes(out, 0, n);
                }
            }
        } catch (IOException | RuntimeException e) {
            chunk.release();
            throw e;
        }
        progress += chunk.readableBytes();
        return chunk;
    }

    @Override
    public long length() {
        return -1;
    }

    @Override
    public long progress() {
        return progress;
    }
}
