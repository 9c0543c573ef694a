package org.postkontor.pop3;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the POP3 listener can be told, validated once in the constructor and immutable after.
 * A bad value throws {@link IllegalArgumentException} naming the key (as the deploy config spells
 * it) and what is allowed. Build one with {@link #builder()}; every field has a sane default.
 *
 * @param bindAddress               {@code pop3.bind}: address both listeners bind to
 * @param plainPort                 {@code pop3.port}: port 110-style (plain, STLS when TLS is
 *                                  configured); 0 = any free port (tests), -1 = no such listener
 * @param tlsPort                   {@code pop3.tls-port}: port 995-style (implicit TLS, RFC 8314);
 *                                  0 = any free port, -1 = no such listener
 * @param allowPlaintextAuth        {@code pop3.allow-plaintext-auth}: allow USER/PASS and SASL
 *                                  PLAIN/LOGIN on a connection without TLS
 * @param allowPlaintextAuthOnLoopback {@code pop3.allow-plaintext-auth-loopback}: the same, only for
 *                                  clients on 127.0.0.0/8 or ::1
 * @param idleTimeout               {@code pop3.idle-timeout}: autologout timer; RFC 1939 §3 says at
 *                                  least 10 minutes (shorter values are accepted for tests)
 * @param maxCommandLine            {@code pop3.max-command-line}: octets of a command line with its
 *                                  CRLF; RFC 2449 §4 says 255
 * @param maxSaslLine               {@code pop3.max-sasl-line}: octets of a SASL client response line
 *                                  with its CRLF; RFC 5034 §4 lifts the 255 limit for these
 * @param maxConnections            {@code pop3.max-connections}: open connections in all
 * @param maxConnectionsPerAddress  {@code pop3.max-connections-per-address}: per client IP
 * @param failedLoginDelay          {@code pop3.failed-login-delay}: a failed login waits this long
 *                                  before its -ERR
 * @param failureWindow             {@code pop3.failure-window}: failures older than this are forgotten
 * @param maxFailuresPerAddress     {@code pop3.max-failures-per-address}: failed logins from one IP
 *                                  within the window before further logins from it are refused
 * @param maxFailuresPerUser        {@code pop3.max-failures-per-user}: failed logins for one login
 *                                  name within the window before it is refused for the rest of it
 * @param loginDelay                {@code pop3.login-delay}: RFC 2449 LOGIN-DELAY, the least time
 *                                  between two logins of one user; zero = off
 * @param expireDays                {@code pop3.expire-days}: RFC 2449 EXPIRE; -1 = NEVER, else a
 *                                  message that was retrieved in a session and has been in the
 *                                  maildrop at least this many days is removed at that session's QUIT
 * @param maxBadCommands            {@code pop3.max-bad-commands}: -ERR replies to unknown or
 *                                  malformed commands before the connection is closed
 * @param tlsHandshakeTimeout       {@code pop3.tls-handshake-timeout}
 * @param implementation            {@code pop3.implementation}: CAPA IMPLEMENTATION and greeting text
 * @param proxyProtocol             {@code pop3.proxy-protocol}: every connection on both listeners
 *                                  starts with a PROXY protocol v1 or v2 header (HAProxy, a cloud
 *                                  load balancer), whose source address is the client's for logs,
 *                                  limits, the login throttle and the loopback rule; a connection
 *                                  without a valid one is closed
 */
public record Pop3Config(
        String bindAddress,
        int plainPort,
        int tlsPort,
        boolean allowPlaintextAuth,
        boolean allowPlaintextAuthOnLoopback,
        Duration idleTimeout,
        int maxCommandLine,
        int maxSaslLine,
        int maxConnections,
        int maxConnectionsPerAddress,
        Duration failedLoginDelay,
        Duration failureWindow,
        int maxFailuresPerAddress,
        int maxFailuresPerUser,
        Duration loginDelay,
        int expireDays,
        int maxBadCommands,
        Duration tlsHandshakeTimeout,
        String implementation,
        boolean proxyProtocol) {

    /** RFC 2449 §4: a command line is at most 255 octets including CRLF. */
    public static final int RFC2449_MAX_COMMAND_LINE = 255;
    /** EXPIRE NEVER. */
    public static final int EXPIRE_NEVER = -1;

    public Pop3Config {
        Objects.requireNonNull(bindAddress, "pop3.bind");
        try {
            InetAddress.getByName(bindAddress);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("pop3.bind: not an address: " + bindAddress);
        }
        port("pop3.port", plainPort);
        port("pop3.tls-port", tlsPort);
        if (plainPort == -1 && tlsPort == -1) {
            throw new IllegalArgumentException("pop3.port and pop3.tls-port: at least one listener must be on");
        }
        if (plainPort > 0 && plainPort == tlsPort) {
            throw new IllegalArgumentException("pop3.port and pop3.tls-port must differ");
        }
        positive("pop3.idle-timeout", idleTimeout);
        if (maxCommandLine < RFC2449_MAX_COMMAND_LINE || maxCommandLine > 8192) {
            throw new IllegalArgumentException("pop3.max-command-line must be 255 to 8192 octets (RFC 2449 §4)");
        }
        if (maxSaslLine < maxCommandLine || maxSaslLine > 1024 * 1024) {
            throw new IllegalArgumentException("pop3.max-sasl-line must be at least pop3.max-command-line and at most 1048576");
        }
        atLeast("pop3.max-connections", maxConnections, 1);
        atLeast("pop3.max-connections-per-address", maxConnectionsPerAddress, 1);
        if (maxConnectionsPerAddress > maxConnections) {
            throw new IllegalArgumentException("pop3.max-connections-per-address must not exceed pop3.max-connections");
        }
        notNegative("pop3.failed-login-delay", failedLoginDelay);
        if (failedLoginDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("pop3.failed-login-delay must be 0 to 60 seconds");
        }
        positive("pop3.failure-window", failureWindow);
        if (failureWindow.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("pop3.failure-window must be at most a day (no permanent lockouts)");
        }
        atLeast("pop3.max-failures-per-address", maxFailuresPerAddress, 1);
        atLeast("pop3.max-failures-per-user", maxFailuresPerUser, 1);
        notNegative("pop3.login-delay", loginDelay);
        if (expireDays < EXPIRE_NEVER || expireDays > 36500) {
            throw new IllegalArgumentException("pop3.expire-days must be -1 (NEVER) or 0 to 36500");
        }
        atLeast("pop3.max-bad-commands", maxBadCommands, 1);
        positive("pop3.tls-handshake-timeout", tlsHandshakeTimeout);
        Objects.requireNonNull(implementation, "pop3.implementation");
        if (implementation.isBlank() || implementation.length() > 100
                || !implementation.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("pop3.implementation must be 1 to 100 printable ASCII characters");
        }
    }

    /** All defaults: 127.0.0.1, ports 110 and 995. */
    public static Pop3Config defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.bindAddress = bindAddress;
        b.plainPort = plainPort;
        b.tlsPort = tlsPort;
        b.allowPlaintextAuth = allowPlaintextAuth;
        b.allowPlaintextAuthOnLoopback = allowPlaintextAuthOnLoopback;
        b.idleTimeout = idleTimeout;
        b.maxCommandLine = maxCommandLine;
        b.maxSaslLine = maxSaslLine;
        b.maxConnections = maxConnections;
        b.maxConnectionsPerAddress = maxConnectionsPerAddress;
        b.failedLoginDelay = failedLoginDelay;
        b.failureWindow = failureWindow;
        b.maxFailuresPerAddress = maxFailuresPerAddress;
        b.maxFailuresPerUser = maxFailuresPerUser;
        b.loginDelay = loginDelay;
        b.expireDays = expireDays;
        b.maxBadCommands = maxBadCommands;
        b.tlsHandshakeTimeout = tlsHandshakeTimeout;
        b.implementation = implementation;
        b.proxyProtocol = proxyProtocol;
        return b;
    }

    /** CAPA EXPIRE argument. */
    public String expireCapability() {
        return expireDays == EXPIRE_NEVER ? "NEVER" : Integer.toString(expireDays);
    }

    private static void port(String key, int port) {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException(key + " must be -1 (off), 0 (any free port) or 1 to 65535");
        }
    }

    private static void atLeast(String key, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(key + " must be at least " + min);
        }
    }

    private static void positive(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration");
        }
    }

    private static void notNegative(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative");
        }
    }

    /** Mutable until {@link #build()}, which validates. */
    public static final class Builder {
        private String bindAddress = "127.0.0.1";
        private int plainPort = 110;
        private int tlsPort = 995;
        private boolean allowPlaintextAuth = false;
        private boolean allowPlaintextAuthOnLoopback = false;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private int maxCommandLine = RFC2449_MAX_COMMAND_LINE;
        private int maxSaslLine = 8192;
        private int maxConnections = 1000;
        private int maxConnectionsPerAddress = 20;
        private Duration failedLoginDelay = Duration.ofMillis(1500);
        private Duration failureWindow = Duration.ofMinutes(15);
        private int maxFailuresPerAddress = 20;
        private int maxFailuresPerUser = 10;
        private Duration loginDelay = Duration.ZERO;
        private int expireDays = EXPIRE_NEVER;
        private int maxBadCommands = 20;
        private Duration tlsHandshakeTimeout = Duration.ofSeconds(30);
        private String implementation = "Postkontor";
        private boolean proxyProtocol = false;

        private Builder() {}

        public Builder bindAddress(String v) { bindAddress = v; return this; }
        public Builder plainPort(int v) { plainPort = v; return this; }
        public Builder tlsPort(int v) { tlsPort = v; return this; }
        public Builder allowPlaintextAuth(boolean v) { allowPlaintextAuth = v; return this; }
        public Builder allowPlaintextAuthOnLoopback(boolean v) { allowPlaintextAuthOnLoopback = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder maxCommandLine(int v) { maxCommandLine = v; return this; }
        public Builder maxSaslLine(int v) { maxSaslLine = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder maxConnectionsPerAddress(int v) { maxConnectionsPerAddress = v; return this; }
        public Builder failedLoginDelay(Duration v) { failedLoginDelay = v; return this; }
        public Builder failureWindow(Duration v) { failureWindow = v; return this; }
        public Builder maxFailuresPerAddress(int v) { maxFailuresPerAddress = v; return this; }
        public Builder maxFailuresPerUser(int v) { maxFailuresPerUser = v; return this; }
        public Builder loginDelay(Duration v) { loginDelay = v; return this; }
        public Builder expireDays(int v) { expireDays = v; return this; }
        public Builder maxBadCommands(int v) { maxBadCommands = v; return this; }
        public Builder tlsHandshakeTimeout(Duration v) { tlsHandshakeTimeout = v; return this; }
        public Builder implementation(String v) { implementation = v; return this; }
        public Builder proxyProtocol(boolean v) { proxyProtocol = v; return this; }

        public Pop3Config build() {
            return new Pop3Config(bindAddress, plainPort, tlsPort, allowPlaintextAuth, allowPlaintextAuthOnLoopback,
                    idleTimeout, maxCommandLine, maxSaslLine, maxConnections, maxConnectionsPerAddress,
                    failedLoginDelay, failureWindow, maxFailuresPerAddress, maxFailuresPerUser, loginDelay,
                    expireDays, maxBadCommands, tlsHandshakeTimeout, implementation, proxyProtocol);
        }
    }
}
