package org.postkontor.store.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * PROXY protocol headers as a load balancer sends them first on a connection (HAProxy's
 * proxy-protocol.txt), for the SMTP and POP3 tests: the client named is the source, the
 * balancer's own listener 127.0.0.1 the destination. Shared through the store's test-jar.
 */
public final class ProxyHeaders {
    private ProxyHeaders() {}

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Version 1 (text) for a TCP over IPv4 client at {@code source}. */
    public static byte[] v1(String source) {
        return ("PROXY TCP4 " + source + " 127.0.0.1 40000 25\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Version 2 (binary), command PROXY, for a TCP over IPv4 client at a.b.c.d port 40000. */
    public static byte[] v2(int a, int b, int c, int d) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(V2_SIGNATURE);
        o.write(0x21); // version 2, PROXY
        o.write(0x11); // INET, STREAM
        o.write(0);
        o.write(12);
        o.writeBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d, 127, 0, 0, 1});
        o.writeBytes(new byte[] {(byte) 0x9c, 0x40, 0, 25});
        return o.toByteArray();
    }

    /** Version 2, command LOCAL (the balancer's own health check): no client named. */
    public static byte[] v2Local() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(V2_SIGNATURE);
        o.write(0x20); // version 2, LOCAL
        o.write(0x00); // UNSPEC
        o.write(0);
        o.write(0);
        return o.toByteArray();
    }
}
