package org.postkontor.smtp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A PROXY protocol v1 or v2 header read byte by byte exactly as long as it is, for a listener whose
 * client speaks TLS at once (implicit TLS): the bytes after the header are the client's
 * ClientHello, so nothing may be read ahead of it. (SubEthaSMTP's own reader buffers ahead, which
 * is harmless only where the client waits for the greeting.)
 */
public final class ProxyHeaderReader {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** RFC: a v1 line is at most 107 bytes with its CRLF. */
    private static final int V1_MAX = 107;

    private ProxyHeaderReader() {}

    /**
     * Reads one header; the client's address, or empty when the header names none (v1 {@code
     * UNKNOWN}, v2 {@code LOCAL} or an unspecified family: the balancer's own connection).
     *
     * @throws IOException no valid header (the connection must be closed)
     */
    public static Optional<InetSocketAddress> read(InputStream in) throws IOException {
        byte[] start = readFully(in, 6);
        if (Arrays.equals(start, "PROXY ".getBytes(StandardCharsets.US_ASCII))) {
            return v1(in);
        }
        if (Arrays.equals(start, Arrays.copyOf(V2_SIGNATURE, 6))) {
            return v2(in);
        }
        throw new IOException("no PROXY header");
    }

    private static Optional<InetSocketAddress> v1(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder("PROXY ");
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("PROXY v1 header cut off");
            }
            if (b == '\n') {
                break;
            }
            line.append((char) b);
            if (line.length() > V1_MAX) {
                throw new IOException("PROXY v1 header too long");
            }
        }
        if (line.isEmpty() || line.charAt(line.length() - 1) != '\r') {
            throw new IOException("PROXY v1 header without CRLF");
        }
        String[] f = line.substring(0, line.length() - 1).split(" ");
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            return Optional.empty();
        }
        if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            throw new IOException("malformed PROXY v1 header");
        }
        int size = f[1].equals("TCP4") ? 4 : 16;
        literal(f[3], size); // the destination is checked as strictly as the source, and not used
        port(f[5]);
        return Optional.of(new InetSocketAddress(literal(f[2], size), port(f[4])));
    }

    private static Optional<InetSocketAddress> v2(InputStream in) throws IOException {
        byte[] rest = readFully(in, 10); // signature's last 6 bytes, version/command, family, length
        if (!Arrays.equals(Arrays.copyOfRange(rest, 0, 6), Arrays.copyOfRange(V2_SIGNATURE, 6, 12))) {
            throw new IOException("malformed PROXY v2 signature");
        }
        int versionCommand = rest[6] & 0xff;
        int family = rest[7] & 0xff;
        int length = ((rest[8] & 0xff) << 8) | (rest[9] & 0xff);
        if (versionCommand >> 4 != 2) {
            throw new IOException("PROXY v2 header of another version");
        }
        byte[] body = readFully(in, length); // addresses and TLVs: read whole, so the next byte is the client's
        int command = versionCommand & 0x0f;
        if (command == 0) {
            return Optional.empty(); // LOCAL: the balancer's own check
        }
        if (command != 1) {
            throw new IOException("PROXY v2 command " + command);
        }
        return switch (family) {
            case 0x11 -> address(body, 4); // TCP over IPv4
            case 0x21 -> address(body, 16); // TCP over IPv6
            case 0x00 -> Optional.empty();
            default -> throw new IOException("PROXY v2 family " + family);
        };
    }

    private static Optional<InetSocketAddress> address(byte[] body, int size) throws IOException {
        if (body.length < 2 * size + 4) {
            throw new IOException("PROXY v2 addresses cut off");
        }
        InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(body, 0, size));
        int port = ((body[2 * size] & 0xff) << 8) | (body[2 * size + 1] & 0xff);
        return Optional.of(new InetSocketAddress(source, port));
    }

    private static InetAddress literal(String text, int size) throws IOException {
        if (size == 4 ? !text.matches("\\d{1,3}(\\.\\d{1,3}){3}") : !text.matches("[0-9A-Fa-f:.]+")) {
            throw new IOException("not an address literal: " + text);
        }
        InetAddress a = InetAddress.getByName(text); // a literal: no name lookup
        if (a.getAddress().length != size) {
            throw new IOException("address of the wrong family: " + text);
        }
        return a;
    }

    private static int port(String text) throws IOException {
        try {
            int p = Integer.parseInt(text);
            if (p < 0 || p > 65535) {
                throw new IOException("bad port " + text);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IOException("bad port " + text, e);
        }
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("PROXY header cut off");
        }
        return b;
    }
}
