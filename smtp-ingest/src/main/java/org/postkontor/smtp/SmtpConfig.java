package org.postkontor.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one SMTP listener, validated once; immutable. A bad value throws
 * {@link IllegalArgumentException} whose message names the key and what is allowed. Build with
 * {@link #builder()}; every field has a default ({@link #defaults()}).
 *
 * @param bindAddress          IP address to listen on (default {@code 127.0.0.1}; deploy sets {@code 0.0.0.0})
 * @param port                 TCP port, 0 = any free port (tests); deploy sets 25 or 10025
 * @param hostname             name in the greeting, EHLO reply and Received header
 * @param maxMessageSize       octets of message data (after dot-unstuffing, before trace headers);
 *                             advertised as {@code SIZE}; 25 MiB
 * @param maxRecipients        accepted RCPTs per transaction; more get 452 4.5.3 (RFC 5321 §4.5.3.1.8
 *                             requires at least 100)
 * @param maxLineLength        octets of one message line including CRLF (RFC 5321 §4.5.3.1.6: 1000);
 *                             a longer line gets 552 5.6.0 after the data. Command lines are limited
 *                             by SubEthaSMTP to 998 characters plus CRLF (501 and close)
 * @param maxConnections       sessions in all; more get 421 4.7.0
 * @param maxConnectionsPerIp  sessions per client IP (the PROXY address when PROXY is on); 421 4.7.0
 * @param commandTimeout       idle time waiting for a command (RFC 5321 §4.5.3.2.7: 5 minutes)
 * @param dataTimeout          idle time waiting for message data (RFC 5321 §4.5.3.2.5: 3 minutes)
 * @param sessionMaxDuration   a session is closed (421 4.4.2) after this long, whatever it does
 * @param tarpitDelay          reply delay after the first bad command (5xx, or 452 4.5.3)
 * @param tarpitStep           added to the delay for every further bad command (capped at 30 s)
 * @param tarpitLimit          bad commands after which the session is closed with 421 4.7.0
 * @param maxReceivedHeaders   a message with more {@code Received:} headers gets 554 5.4.6 (loop)
 * @param plusAddressing       {@code user+tag@domain} is delivered to {@code user@domain}
 * @param plusSeparator        the character that starts the tag
 * @param proxyProtocol        expect a PROXY protocol v1 or v2 header first on every connection
 * @param tempDir              where message data larger than {@code memoryBufferBytes} is buffered
 *                             before it is handed to the store (default: the system temp directory)
 * @param memoryBufferBytes    message data up to this size is buffered in memory (256 KiB)
 * @param dnsbl                connection-time DNS blocklist checks (off by default)
 */
public record SmtpConfig(
        InetAddress bindAddress,
        int port,
        String hostname,
        long maxMessageSize,
        int maxRecipients,
        int maxLineLength,
        int maxConnections,
        int maxConnectionsPerIp,
        Duration commandTimeout,
        Duration dataTimeout,
        Duration sessionMaxDuration,
        Duration tarpitDelay,
        Duration tarpitStep,
        int tarpitLimit,
        int maxReceivedHeaders,
        boolean plusAddressing,
        char plusSeparator,
        boolean proxyProtocol,
        Path tempDir,
        int memoryBufferBytes,
        DnsblConfig dnsbl) {

    public static final long DEFAULT_MAX_MESSAGE_SIZE = 25L * 1024 * 1024;
    /** The longest delay the tarpit ever adds to one reply. */
    public static final Duration TARPIT_CAP = Duration.ofSeconds(30);

    public SmtpConfig {
        Objects.requireNonNull(bindAddress, "smtp.bindAddress must be set");
        range("smtp.port", port, 0, 65535);
        if (hostname == null || !hostname.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")) {
            throw new IllegalArgumentException(
                    "smtp.hostname must be a host name (letters, digits, '.', '-'), was: " + hostname);
        }
        if (maxMessageSize < 1 || maxMessageSize > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("smtp.maxMessageSize must be 1 to " + (Integer.MAX_VALUE - 1)
                    + " octets, was " + maxMessageSize);
        }
        range("smtp.maxRecipients", maxRecipients, 1, 100_000);
        range("smtp.maxLineLength", maxLineLength, 1000, 1_000_000);
        range("smtp.maxConnections", maxConnections, 1, 100_000);
        range("smtp.maxConnectionsPerIp", maxConnectionsPerIp, 1, 100_000);
        positive("smtp.commandTimeout", commandTimeout);
        positive("smtp.dataTimeout", dataTimeout);
        positive("smtp.sessionMaxDuration", sessionMaxDuration);
        notNegative("smtp.tarpitDelay", tarpitDelay);
        notNegative("smtp.tarpitStep", tarpitStep);
        if (commandTimeout.toMillis() > Integer.MAX_VALUE || dataTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("smtp.commandTimeout and smtp.dataTimeout must be below 24 days");
        }
        range("smtp.tarpitLimit", tarpitLimit, 1, 10_000);
        range("smtp.maxReceivedHeaders", maxReceivedHeaders, 1, 10_000);
        if (plusSeparator <= ' ' || plusSeparator >= 0x7f || plusSeparator == '@' || plusSeparator == '.'
                || Character.isLetterOrDigit(plusSeparator)) {
            throw new IllegalArgumentException(
                    "smtp.plusSeparator must be one printable ASCII character other than a letter, digit, '.' or '@'");
        }
        Objects.requireNonNull(tempDir, "smtp.tempDir must be set");
        range("smtp.memoryBufferBytes", memoryBufferBytes, 0, 64 * 1024 * 1024);
        Objects.requireNonNull(dnsbl, "smtp.dnsbl must be set");
    }

    /** All defaults (listener on 127.0.0.1, any free port). */
    public static SmtpConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bindAddress = bindAddress;
        b.port = port;
        b.hostname = hostname;
        b.maxMessageSize = maxMessageSize;
        b.maxRecipients = maxRecipients;
        b.maxLineLength = maxLineLength;
        b.maxConnections = maxConnections;
        b.maxConnectionsPerIp = maxConnectionsPerIp;
        b.commandTimeout = commandTimeout;
        b.dataTimeout = dataTimeout;
        b.sessionMaxDuration = sessionMaxDuration;
        b.tarpitDelay = tarpitDelay;
        b.tarpitStep = tarpitStep;
        b.tarpitLimit = tarpitLimit;
        b.maxReceivedHeaders = maxReceivedHeaders;
        b.plusAddressing = plusAddressing;
        b.plusSeparator = plusSeparator;
        b.proxyProtocol = proxyProtocol;
        b.tempDir = tempDir;
        b.memoryBufferBytes = memoryBufferBytes;
        b.dnsbl = dnsbl;
        return b;
    }

    /** The tarpit delay before the reply to the {@code errors}-th bad command (1-based). */
    public Duration tarpitDelayFor(int errors) {
        if (errors < 1) {
            return Duration.ZERO;
        }
        Duration d = tarpitDelay.plus(tarpitStep.multipliedBy(errors - 1L));
        return d.compareTo(TARPIT_CAP) > 0 ? TARPIT_CAP : d;
    }

    private static void range(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be " + min + " to " + max + ", was " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be a positive duration, was " + d);
        }
    }

    private static void notNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be zero or a positive duration, was " + d);
        }
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private InetAddress bindAddress = loopback();
        private int port = 0;
        private String hostname = "localhost";
        private long maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int maxRecipients = 100;
        private int maxLineLength = 1000;
        private int maxConnections = 200;
        private int maxConnectionsPerIp = 20;
        private Duration commandTimeout = Duration.ofMinutes(5);
        private Duration dataTimeout = Duration.ofMinutes(3);
        private Duration sessionMaxDuration = Duration.ofMinutes(30);
        private Duration tarpitDelay = Duration.ofSeconds(1);
        private Duration tarpitStep = Duration.ofSeconds(1);
        private int tarpitLimit = 20;
        private int maxReceivedHeaders = 50;
        private boolean plusAddressing = true;
        private char plusSeparator = '+';
        private boolean proxyProtocol = false;
        private Path tempDir = Path.of(System.getProperty("java.io.tmpdir"));
        private int memoryBufferBytes = 256 * 1024;
        private DnsblConfig dnsbl = DnsblConfig.OFF;

        private Builder() {}

        private static InetAddress loopback() {
            try {
                return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        public Builder bindAddress(InetAddress v) { bindAddress = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder hostname(String v) { hostname = v; return this; }
        public Builder maxMessageSize(long v) { maxMessageSize = v; return this; }
        public Builder maxRecipients(int v) { maxRecipients = v; return this; }
        public Builder maxLineLength(int v) { maxLineLength = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder maxConnectionsPerIp(int v) { maxConnectionsPerIp = v; return this; }
        public Builder commandTimeout(Duration v) { commandTimeout = v; return this; }
        public Builder dataTimeout(Duration v) { dataTimeout = v; return this; }
        public Builder sessionMaxDuration(Duration v) { sessionMaxDuration = v; return this; }
        public Builder tarpitDelay(Duration v) { tarpitDelay = v; return this; }
        public Builder tarpitStep(Duration v) { tarpitStep = v; return this; }
        public Builder tarpitLimit(int v) { tarpitLimit = v; return this; }
        public Builder maxReceivedHeaders(int v) { maxReceivedHeaders = v; return this; }
        public Builder plusAddressing(boolean v) { plusAddressing = v; return this; }
        public Builder plusSeparator(char v) { plusSeparator = v; return this; }
        public Builder proxyProtocol(boolean v) { proxyProtocol = v; return this; }
        public Builder tempDir(Path v) { tempDir = v; return this; }
        public Builder memoryBufferBytes(int v) { memoryBufferBytes = v; return this; }
        public Builder dnsbl(DnsblConfig v) { dnsbl = v; return this; }

        public SmtpConfig build() {
            return new SmtpConfig(bindAddress, port, hostname, maxMessageSize, maxRecipients, maxLineLength,
                    maxConnections, maxConnectionsPerIp, commandTimeout, dataTimeout, sessionMaxDuration,
                    tarpitDelay, tarpitStep, tarpitLimit, maxReceivedHeaders, plusAddressing, plusSeparator,
                    proxyProtocol, tempDir, memoryBufferBytes, dnsbl);
        }
    }
}
