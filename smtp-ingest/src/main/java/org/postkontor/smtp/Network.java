package org.postkontor.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP network in CIDR notation ({@code 192.168.0.0/16}, {@code ::1/128}; a bare address is a
 * single host). The JDK gives an IPv4-mapped IPv6 client address as an IPv4 address, so it
 * matches IPv4 networks.
 */
public record Network(byte[] address, int prefix) {

    public Network {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an IPv4 or IPv6 address");
        }
        if (prefix < 0 || prefix > address.length * 8) {
            throw new IllegalArgumentException("prefix length 0 to " + address.length * 8);
        }
        address = address.clone();
    }

    /** Parses {@code address[/prefix]}; an address literal only, never a host name. */
    public static Network parse(String cidr) {
        String s = cidr.strip();
        int slash = s.indexOf('/');
        String a = slash < 0 ? s : s.substring(0, slash);
        if (!a.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("not an IP network: " + cidr);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP network: " + cidr);
        }
        int prefix;
        try {
            prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IP network: " + cidr);
        }
        return new Network(bytes, prefix);
    }

    public boolean contains(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length != address.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != address[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[full] & mask) == (address[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Network n && n.prefix == prefix && Arrays.equals(n.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(address).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
