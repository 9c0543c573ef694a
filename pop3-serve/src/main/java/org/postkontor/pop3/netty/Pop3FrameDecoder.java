package org.postkontor.pop3.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Bounded line framing. Emits each CRLF-terminated line as a {@link String} (UTF-8, without the
 * CRLF), or a {@link FrameError} for a line longer than {@code maxLength} octets including its CRLF
 * (the rest of that line is discarded, one error is emitted when it ends) or a line ended by a bare
 * LF. Never holds more than {@code maxLength} octets of an unfinished line.
 */
public final class Pop3FrameDecoder extends ByteToMessageDecoder {

    /** A line that could not be framed. */
    public enum FrameError { TOO_LONG, BARE_LF }

    private final int maxLength;
    private boolean discarding;

    /** {@code maxLength}: octets including CRLF (RFC 2449 §4: 255 for commands; RFC 5034 lets SASL go longer). */
    public Pop3FrameDecoder(int maxLength) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("maxLength");
        }
        this.maxLength = maxLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        int lf = in.indexOf(start, start + Math.min(readable, discarding ? readable : maxLength), (byte) '\n');
        if (discarding) {
            if (lf < 0) {
                in.skipBytes(readable);
            } else {
                in.readerIndex(lf + 1);
                discarding = false;
                out.add(FrameError.TOO_LONG);
            }
            return;
        }
        if (lf < 0) {
            if (readable >= maxLength) {
                in.skipBytes(maxLength); // no LF among these; the rest is searched as discarding
                discarding = true;
            }
            return;
        }
        int len = lf - start;
        if (len == 0 || in.getByte(lf - 1) != '\r') {
            in.readerIndex(lf + 1);
            out.add(FrameError.BARE_LF);
            return;
        }
        String line = in.toString(start, len - 1, StandardCharsets.UTF_8);
        in.readerIndex(lf + 1);
        out.add(line);
    }

    /**
     * Drops every octet received but not yet framed. Called when TLS starts (RFC 2595 §4): nothing
     * sent before the handshake may be taken as a command after it.
     */
    public void discardBuffered() {
        ByteBuf buf = internalBuffer();
        buf.skipBytes(buf.readableBytes());
        discarding = false;
    }
}
