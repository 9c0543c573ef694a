package org.postkontor.pop3.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Pop3FrameDecoderTest {

    private static void feed(EmbeddedChannel ch, String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    @Test
    void linesSplitAcrossReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new Pop3FrameDecoder(255));
        feed(ch, "US");
        feed(ch, "ER alice\r");
        assertNull(ch.readInbound());
        feed(ch, "\nPASS x\r\nST");
        assertEquals("USER alice", ch.readInbound());
        assertEquals("PASS x", ch.readInbound());
        assertNull(ch.readInbound());
        feed(ch, "AT\r\n");
        assertEquals("STAT", ch.readInbound());
    }

    @Test
    void overlongLineGivesOneErrorThenFramingResumes() {
        EmbeddedChannel ch = new EmbeddedChannel(new Pop3FrameDecoder(10));
        feed(ch, "12345678");
        feed(ch, "9012345");
        feed(ch, "678\r\nNOOP\r\n");
        assertEquals(Pop3FrameDecoder.FrameError.TOO_LONG, ch.readInbound());
        assertEquals("NOOP", ch.readInbound());
        assertNull(ch.readInbound());
    }

    @Test
    void exactlyAtTheLimitIsAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new Pop3FrameDecoder(10));
        feed(ch, "12345678\r\n");
        assertEquals("12345678", ch.readInbound());
        feed(ch, "123456789\r\n");
        assertEquals(Pop3FrameDecoder.FrameError.TOO_LONG, ch.readInbound());
    }

    @Test
    void bareLfIsAnError() {
        EmbeddedChannel ch = new EmbeddedChannel(new Pop3FrameDecoder(255));
        feed(ch, "STAT\nNOOP\r\n\n");
        assertEquals(Pop3FrameDecoder.FrameError.BARE_LF, ch.readInbound());
        assertEquals("NOOP", ch.readInbound());
        assertEquals(Pop3FrameDecoder.FrameError.BARE_LF, ch.readInbound());
    }
}
