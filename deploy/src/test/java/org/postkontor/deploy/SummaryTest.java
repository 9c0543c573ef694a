package org.postkontor.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** How the start summary and {@code config check} name a listener's address. */
class SummaryTest {

    private static String where(String address, int port) throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName(address), port);
        return Summary.hostPort(a) + Summary.families(a);
    }

    @Test
    void listenersOnEveryAddressSayWhichFamilies() throws Exception {
        assertEquals("[::]:25, IPv6 and IPv4", where("::", 25));
        assertEquals("0.0.0.0:25, IPv4 only", where("0.0.0.0", 25));
        assertEquals("127.0.0.1:8080", where("127.0.0.1", 8080));
        assertEquals("[::1]:110", where("::1", 110));
    }

    @Test
    void ipv6IsWrittenShort() throws Exception {
        assertEquals("2001:db8::1", Summary.text(InetAddress.getByName("2001:db8:0:0:0:0:0:1")));
        assertEquals("2001:db8:0:1::1", Summary.text(InetAddress.getByName("2001:db8:0:1:0:0:0:1")));
        assertEquals("2001:0:0:1::1", Summary.text(InetAddress.getByName("2001:0:0:1:0:0:0:1")),
                "the longer run of zeros is shortened");
        assertEquals("1::2:0:0:3:4", Summary.text(InetAddress.getByName("1:0:0:2:0:0:3:4")),
                "of two equal runs, the first");
        assertEquals("1:0:2:3:4:5:6:7", Summary.text(InetAddress.getByName("1:0:2:3:4:5:6:7")),
                "one zero group stays");
    }
}
