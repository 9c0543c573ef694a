package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postkontor.store.testing.ProxyHeaders;

/** The byte-exact PROXY reader: the header and not a byte more; anything else refused. */
class ProxyHeaderReaderTest {

    private static ByteArrayInputStream followedByClientHello(byte[] header) {
        byte[] all = new byte[header.length + 3];
        System.arraycopy(header, 0, all, 0, header.length);
        all[header.length] = 0x16; // a TLS handshake record starts here
        all[header.length + 1] = 0x03;
        all[header.length + 2] = 0x01;
        return new ByteArrayInputStream(all);
    }

    @Test
    void v1AndV2GiveTheClientAndLeaveTheNextByteUnread() throws IOException {
        ByteArrayInputStream v2 = followedByClientHello(ProxyHeaders.v2(198, 51, 100, 9));
        assertEquals("198.51.100.9", ProxyHeaderReader.read(v2).orElseThrow().getAddress().getHostAddress());
        assertEquals(0x16, v2.read());
        ByteArrayInputStream v1 = followedByClientHello(ProxyHeaders.v1("203.0.113.7"));
        InetSocketAddress a = ProxyHeaderReader.read(v1).orElseThrow();
        assertEquals("203.0.113.7", a.getAddress().getHostAddress());
        assertEquals(0x16, v1.read());
        ByteArrayInputStream v6 = followedByClientHello(
                "PROXY TCP6 2001:db8::7 2001:db8::1 40000 465\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(40000, ProxyHeaderReader.read(v6).orElseThrow().getPort());
    }

    @Test
    void localAndUnknownNameNoClient() throws IOException {
        assertEquals(Optional.empty(), ProxyHeaderReader.read(followedByClientHello(ProxyHeaders.v2Local())));
        assertEquals(Optional.empty(), ProxyHeaderReader.read(followedByClientHello(
                "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : new String[] {"EHLO x\r\n", "PROXY TCP4 host.test 10.0.0.1 1 2\r\n", "PROXY TCP4 1.2.3.4\r\n",
            "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "PROXY " + "x".repeat(200),
            "PROXY TCP4 1.2.3.4 5.6"}) {
            assertThrows(IOException.class, () -> ProxyHeaderReader.read(
                    new ByteArrayInputStream(bad.getBytes(StandardCharsets.US_ASCII))), bad);
        }
        byte[] cut = ProxyHeaders.v2(1, 2, 3, 4);
        assertThrows(IOException.class, () -> ProxyHeaderReader.read(
                new ByteArrayInputStream(Arrays.copyOf(cut, cut.length - 3))));
    }
}
