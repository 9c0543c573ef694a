package org.postkontor.deploy.config;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.admin.web.WebConfig;
import java.util.OptionalDouble;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.deploy.tls.SelfSignedCertificate;
import org.postkontor.deliver.DeliveryConfig;
import org.postkontor.submit.SubmissionConfig;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.smtp.DnsblConfig;
import org.postkontor.smtp.Network;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.filter.Filtering;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.postgresql.PostgresConfig;

/**
 * The whole appliance's configuration, checked and immutable. Built only by {@link #load}, which
 * reports every mistake at once, each naming its key.
 *
 * @param source the config file read, if any
 */
public record ApplianceConfig(Optional<Path> source, Path dataDir, StoreConfig store, String hostname,
                              Listener smtp, Listener pop3, Listener pop3s, Listener http, Listener admin,
                              TlsSettings tls, LogSettings log, Duration shutdownGrace, SmtpConfig smtpConfig,
                              Pop3Config pop3Config, BadmailConfig badmailConfig, Duration badmailSweepInterval,
                              BackupSettings backup, WebConfig web, ClientSetup clients, Listener autoconfig,
                              FilterSettings filter, SendingSettings sending, Optional<PostgresConfig> database) {

    public ApplianceConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(smtpConfig, "smtpConfig");
        Objects.requireNonNull(pop3Config, "pop3Config");
        Objects.requireNonNull(badmailConfig, "badmailConfig");
        Objects.requireNonNull(badmailSweepInterval, "badmailSweepInterval");
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(web, "web");
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(autoconfig, "autoconfig");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(sending, "sending");
    }

    /**
     * Inbound filtering through rspamd ({@code filter.*}).
     *
     * @param rspamdUrl       rspamd's normal worker; empty = no filtering
     * @param quarantineScore empty = no quarantine
     */
    public record FilterSettings(Optional<java.net.URI> rspamdUrl, Duration timeout, Filtering.OnError onError,
                                 OptionalDouble quarantineScore, List<String> virusSymbols) {
        public FilterSettings {
            virusSymbols = List.copyOf(virusSymbols);
        }

        public boolean enabled() {
            return rspamdUrl.isPresent();
        }
    }

    /**
     * The sending half: the two submission listeners (both off when {@code submission.enabled} is
     * false) with their SMTP limits (the MX's, without PROXY, and without DNSBL checks: users send
     * from dynamic addresses that blocklists name) and policy, and outbound delivery.
     */
    public record SendingSettings(Listener submission, Listener submissions, SmtpConfig submissionSmtp,
                                  SubmissionConfig policy, boolean deliveryEnabled, DeliveryConfig delivery) {}

    /**
     * Scheduled backups.
     *
     * @param dir      where they go; empty = none scheduled
     * @param interval time between two
     * @param keep     complete backups kept
     */
    public record BackupSettings(Optional<Path> dir, Duration interval, int keep) {}

    /** A listening socket. {@code name} is what logs, health and metrics call it; {@code portKey} configures its port. */
    public record Listener(String name, String portKey, boolean enabled, InetAddress bind, int port) {
        public InetSocketAddress address() {
            return new InetSocketAddress(bind, port);
        }
    }

    /**
     * Where the certificate comes from.
     *
     * @param cert          PEM chain; empty = self-signed under {@code selfSignedDir}
     * @param key           PEM key, set exactly when {@code cert} is
     * @param reloadInterval 0 = never poll
     * @param pop3Provider  {@code openssl} or {@code jdk}: the TLS implementation of POP3
     */
    public record TlsSettings(Optional<Path> cert, Optional<Path> key, Path selfSignedDir, Duration reloadInterval,
                              String profile, String pop3Provider) {}

    public record LogSettings(String format, String level) {}

    /** The file to read: {@code --config}, else {@code $POSTKONTOR_CONFIG}, else {@code ./postkontor.properties} if it exists. */
    public static Optional<Path> locate(Optional<Path> explicit, Map<String, String> env, Path workingDir) {
        if (explicit.isPresent()) {
            return explicit;
        }
        String fromEnv = env.get("POSTKONTOR_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(Path.of(fromEnv.trim()));
        }
        Path local = workingDir.resolve("postkontor.properties");
        return Files.isRegularFile(local) ? Optional.of(local) : Optional.empty();
    }

    /** Reads, checks and builds; {@link ConfigException} lists every problem, each naming its key. */
    public static ApplianceConfig load(Optional<Path> file, Map<String, String> env) throws ConfigException {
        return load(file, env, ipv6Available());
    }

    /** As {@link #load(Optional, Map)} on a host that has IPv6 or not ({@link #listenOn}). */
    static ApplianceConfig load(Optional<Path> file, Map<String, String> env, boolean ipv6) throws ConfigException {
        RawConfig raw = RawConfig.read(file, env);
        List<String> problems = new ArrayList<>(raw.problems());
        Path dataDir = raw.get(Settings.DATA_DIR, problems);
        Path spool = raw.get(Settings.SPOOL_DIR, problems).orElse(dataDir.resolve("spool"));
        Path index = raw.get(Settings.INDEX_DIR, problems).orElse(dataDir.resolve("index"));
        Path badmail = raw.get(Settings.BADMAIL_DIR, problems).orElse(dataDir.resolve("badmail"));
        long reserve = raw.get(Settings.FREE_DISK_RESERVE, problems);
        Duration authCacheTtl = raw.get(Settings.AUTH_CACHE_TTL, problems);
        int authCacheSize = raw.get(Settings.AUTH_CACHE_SIZE, problems);
        String hostname = raw.get(Settings.HOSTNAME_SETTING, problems);
        if (hostname.isEmpty()) {
            hostname = localHostName();
        }
        Listener smtp = new Listener("smtp", "smtp.port", raw.get(Settings.SMTP_ENABLED, problems),
                listenOn(raw.get(Settings.SMTP_BIND, problems), ipv6), raw.get(Settings.SMTP_PORT, problems));
        InetAddress pop3Bind = listenOn(raw.get(Settings.POP3_BIND, problems), ipv6);
        Listener pop3 = new Listener("pop3", "pop3.port", raw.get(Settings.POP3_ENABLED, problems), pop3Bind,
                raw.get(Settings.POP3_PORT, problems));
        Listener pop3s = new Listener("pop3s", "pop3.tls-port", raw.get(Settings.POP3_TLS_ENABLED, problems), pop3Bind,
                raw.get(Settings.POP3_TLS_PORT, problems));
        Listener http = new Listener("http", "http.port", true, listenOn(raw.get(Settings.HTTP_BIND, problems), ipv6),
                raw.get(Settings.HTTP_PORT, problems));
        Listener admin = new Listener("admin", "admin.port", raw.get(Settings.ADMIN_ENABLED, problems),
                listenOn(raw.get(Settings.ADMIN_BIND, problems), ipv6), raw.get(Settings.ADMIN_PORT, problems));
        Optional<Integer> autoconfigPort = raw.get(Settings.AUTOCONFIG_PORT, problems);
        Listener autoconfig = new Listener("autoconfig", "autoconfig.port", autoconfigPort.isPresent(),
                listenOn(raw.get(Settings.AUTOCONFIG_BIND, problems), ipv6), autoconfigPort.orElse(0));
        WebConfig web = new WebConfig(raw.get(Settings.WEB_USER_PAGES, problems),
                raw.get(Settings.WEB_SESSION_IDLE_TIMEOUT, problems), raw.get(Settings.WEB_FAILED_LOGIN_DELAY, problems),
                raw.get(Settings.WEB_FAILURE_WINDOW, problems), raw.get(Settings.WEB_MAX_FAILURES_PER_ADDRESS, problems),
                raw.get(Settings.WEB_MAX_FAILURES_PER_USER, problems));
        String mailHost = raw.get(Settings.CLIENTS_MAIL_HOST, problems);
        ClientSetup clients = ClientSetup.pop3s(mailHost.isEmpty() ? hostname : mailHost,
                raw.get(Settings.CLIENTS_POP3S_PORT, problems));
        boolean submitting = raw.get(Settings.SUBMISSION_ENABLED, problems);
        InetAddress submissionBind = listenOn(raw.get(Settings.SUBMISSION_BIND, problems), ipv6);
        Listener submission = new Listener("submission", "submission.port", submitting, submissionBind,
                raw.get(Settings.SUBMISSION_PORT, problems));
        Listener submissions = new Listener("submissions", "submission.tls-port", submitting, submissionBind,
                raw.get(Settings.SUBMISSION_TLS_PORT, problems));
        checkPorts(List.of(smtp, pop3, pop3s, http, admin, autoconfig, submission, submissions), problems);
        if (submitting) {
            clients = clients.withSubmission(raw.get(Settings.CLIENTS_SUBMISSION_PORT, problems),
                    ClientSetup.Security.STARTTLS)
                    .withSubmission(raw.get(Settings.CLIENTS_SUBMISSIONS_PORT, problems), ClientSetup.Security.SSL);
        }

        Optional<Path> cert = raw.get(Settings.TLS_CERT, problems);
        Optional<Path> key = raw.get(Settings.TLS_KEY, problems);
        if (cert.isPresent() != key.isPresent()) {
            Setting<?> missing = cert.isPresent() ? Settings.TLS_KEY : Settings.TLS_CERT;
            Setting<?> given = cert.isPresent() ? Settings.TLS_CERT : Settings.TLS_KEY;
            problems.add(missing.key() + " is empty but " + given.key() + " is set (" + raw.value(given).origin()
                    + "): set both to PEM files, or neither for a self-signed certificate");
        }
        checkReadable(Settings.TLS_CERT, cert, raw, problems);
        checkReadable(Settings.TLS_KEY, key, raw, problems);
        TlsSettings tls = new TlsSettings(cert, key, dataDir.resolve("tls"), raw.get(Settings.TLS_RELOAD_INTERVAL, problems),
                raw.get(Settings.TLS_PROFILE, problems), raw.get(Settings.TLS_POP3_PROVIDER, problems));
        LogSettings log = new LogSettings(raw.get(Settings.LOG_FORMAT, problems), raw.get(Settings.LOG_LEVEL, problems));
        Duration grace = raw.get(Settings.SHUTDOWN_GRACE, problems);
        SmtpConfig.Builder sb = SmtpConfig.builder()
                .bindAddress(smtp.bind())
                .port(smtp.port())
                .hostname(hostname)
                .maxMessageSize(raw.get(Settings.SMTP_MAX_MESSAGE_SIZE, problems))
                .maxRecipients(raw.get(Settings.SMTP_MAX_RECIPIENTS, problems))
                .maxLineLength(raw.get(Settings.SMTP_MAX_LINE_LENGTH, problems))
                .maxConnections(raw.get(Settings.SMTP_MAX_CONNECTIONS, problems))
                .maxConnectionsPerIp(raw.get(Settings.SMTP_MAX_CONNECTIONS_PER_IP, problems))
                .commandTimeout(raw.get(Settings.SMTP_COMMAND_TIMEOUT, problems))
                .dataTimeout(raw.get(Settings.SMTP_DATA_TIMEOUT, problems))
                .sessionMaxDuration(raw.get(Settings.SMTP_SESSION_MAX_DURATION, problems))
                .tarpitDelay(raw.get(Settings.SMTP_TARPIT_DELAY, problems))
                .tarpitStep(raw.get(Settings.SMTP_TARPIT_STEP, problems))
                .tarpitLimit(raw.get(Settings.SMTP_TARPIT_LIMIT, problems))
                .maxReceivedHeaders(raw.get(Settings.SMTP_MAX_RECEIVED_HEADERS, problems))
                .plusAddressing(raw.get(Settings.SMTP_PLUS_ADDRESSING, problems))
                .plusSeparator(raw.get(Settings.SMTP_PLUS_SEPARATOR, problems).charAt(0))
                .proxyProtocol(raw.get(Settings.SMTP_PROXY_PROTOCOL, problems))
                .tempDir(raw.get(Settings.SMTP_TEMP_DIR, problems).orElse(dataDir.resolve("tmp")))
                .memoryBufferBytes(raw.get(Settings.SMTP_MEMORY_BUFFER, problems).intValue());
        sb.dnsbl(dnsbl(raw, problems));
        FilterSettings filter = new FilterSettings(raw.get(Settings.FILTER_RSPAMD_URL, problems),
                raw.get(Settings.FILTER_TIMEOUT, problems),
                raw.get(Settings.FILTER_ON_ERROR, problems).equals("accept") ? Filtering.OnError.ACCEPT
                        : Filtering.OnError.TEMPFAIL,
                raw.get(Settings.FILTER_QUARANTINE_SCORE, problems), raw.get(Settings.FILTER_VIRUS_SYMBOLS, problems));
        int maxCommandLine = raw.get(Settings.POP3_MAX_COMMAND_LINE, problems);
        int maxSaslLine = raw.get(Settings.POP3_MAX_SASL_LINE, problems);
        if (maxSaslLine < maxCommandLine) {
            problems.add(Settings.POP3_MAX_SASL_LINE.key() + " = " + maxSaslLine + " (" + raw.value(Settings.POP3_MAX_SASL_LINE).origin()
                    + "): must be at least pop3.max-command-line (" + maxCommandLine + ")");
        }
        int maxConn = raw.get(Settings.POP3_MAX_CONNECTIONS, problems);
        int maxPerAddress = raw.get(Settings.POP3_MAX_CONNECTIONS_PER_ADDRESS, problems);
        if (maxPerAddress > maxConn) {
            problems.add(Settings.POP3_MAX_CONNECTIONS_PER_ADDRESS.key() + " = " + maxPerAddress + " ("
                    + raw.value(Settings.POP3_MAX_CONNECTIONS_PER_ADDRESS).origin() + "): must not exceed pop3.max-connections ("
                    + maxConn + ")");
        }
        Pop3Config.Builder pb = Pop3Config.builder()
                .bindAddress(pop3Bind.getHostAddress())
                .plainPort(pop3.enabled() ? pop3.port() : -1)
                // With both off the appliance runs no POP3 server; Pop3Config itself needs one listener.
                .tlsPort(pop3s.enabled() || !pop3.enabled() ? pop3s.port() : -1)
                .allowPlaintextAuth(raw.get(Settings.POP3_ALLOW_PLAINTEXT_AUTH, problems))
                .allowPlaintextAuthOnLoopback(raw.get(Settings.POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK, problems))
                .idleTimeout(raw.get(Settings.POP3_IDLE_TIMEOUT, problems))
                .maxCommandLine(maxCommandLine)
                .maxSaslLine(maxSaslLine)
                .maxConnections(maxConn)
                .maxConnectionsPerAddress(maxPerAddress)
                .failedLoginDelay(raw.get(Settings.POP3_FAILED_LOGIN_DELAY, problems))
                .failureWindow(raw.get(Settings.POP3_FAILURE_WINDOW, problems))
                .maxFailuresPerAddress(raw.get(Settings.POP3_MAX_FAILURES_PER_ADDRESS, problems))
                .maxFailuresPerUser(raw.get(Settings.POP3_MAX_FAILURES_PER_USER, problems))
                .loginDelay(raw.get(Settings.POP3_LOGIN_DELAY, problems))
                .expireDays(raw.get(Settings.POP3_EXPIRE_DAYS, problems))
                .maxBadCommands(raw.get(Settings.POP3_MAX_BAD_COMMANDS, problems))
                .tlsHandshakeTimeout(raw.get(Settings.POP3_TLS_HANDSHAKE_TIMEOUT, problems))
                .implementation(raw.get(Settings.POP3_IMPLEMENTATION, problems))
                .proxyProtocol(raw.get(Settings.POP3_PROXY_PROTOCOL, problems));
        long maxTotal = raw.get(Settings.BADMAIL_MAX_TOTAL_BYTES, problems);
        long maxMessage = raw.get(Settings.SMTP_MAX_MESSAGE_SIZE, problems);
        if (maxTotal / 2 < maxMessage) {
            problems.add(Settings.BADMAIL_MAX_TOTAL_BYTES.key() + " = " + Sizes.format(maxTotal) + " ("
                    + raw.value(Settings.BADMAIL_MAX_TOTAL_BYTES).origin() + "): must be at least twice smtp.max-message-size ("
                    + Sizes.format(maxMessage) + ")");
        }
        Duration badmailMaxAge = raw.get(Settings.BADMAIL_MAX_AGE, problems);
        int maxHeader = raw.get(Settings.BADMAIL_SHOW_MAX_HEADER_BYTES, problems).intValue();
        int maxPage = raw.get(Settings.BADMAIL_LIST_MAX_PAGE_SIZE, problems);
        Duration sweep = raw.get(Settings.BADMAIL_SWEEP_INTERVAL, problems);
        BackupSettings backup = new BackupSettings(raw.get(Settings.BACKUP_DIR, problems)
                .map(d -> d.toAbsolutePath().normalize()), raw.get(Settings.BACKUP_INTERVAL, problems),
                raw.get(Settings.BACKUP_KEEP, problems));
        Duration retryMin = raw.get(Settings.QUEUE_RETRY_MIN, problems);
        Duration retryMax = raw.get(Settings.QUEUE_RETRY_MAX, problems);
        if (retryMax.compareTo(retryMin) < 0) {
            problems.add(Settings.QUEUE_RETRY_MAX.key() + " = " + Durations.format(retryMax) + " ("
                    + raw.value(Settings.QUEUE_RETRY_MAX).origin() + "): must be at least queue.retry-min ("
                    + Durations.format(retryMin) + ")");
        }
        int perDomain = raw.get(Settings.DELIVERY_CONNECTIONS_PER_DOMAIN, problems);
        int maxOut = raw.get(Settings.DELIVERY_MAX_CONNECTIONS, problems);
        if (maxOut < perDomain) {
            problems.add(Settings.DELIVERY_MAX_CONNECTIONS.key() + " = " + maxOut + " ("
                    + raw.value(Settings.DELIVERY_MAX_CONNECTIONS).origin()
                    + "): must be at least delivery.connections-per-domain (" + perDomain + ")");
        }
        String relayHost = raw.get(Settings.RELAY_HOST, problems);
        String relayUser = raw.get(Settings.RELAY_USERNAME, problems);
        String relayPassword = raw.get(Settings.RELAY_PASSWORD, problems);
        if (relayUser.isEmpty() != relayPassword.isEmpty()) {
            problems.add("relay.username and relay.password go together: set both, or neither for a relay"
                    + " without AUTH");
        }
        Optional<DeliveryConfig.Relay> relay = relayHost.isEmpty() ? Optional.empty()
                : Optional.of(new DeliveryConfig.Relay(relayHost, raw.get(Settings.RELAY_PORT, problems),
                raw.get(Settings.RELAY_TLS, problems).equals("implicit"),
                relayUser.isEmpty() ? Optional.empty() : Optional.of(relayUser),
                relayPassword.isEmpty() ? Optional.empty() : Optional.of(relayPassword)));
        DeliveryConfig delivery = new DeliveryConfig(hostname, raw.get(Settings.DNS_SERVERS, problems), 25, retryMin,
                retryMax, raw.get(Settings.QUEUE_LIFETIME, problems), raw.get(Settings.QUEUE_DELAY_WARNING, problems),
                perDomain, Math.max(maxOut, perDomain), Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofSeconds(1), relay);
        SubmissionConfig submissionPolicy = new SubmissionConfig(hostname,
                raw.get(Settings.SUBMISSION_MAX_MESSAGES_PER_HOUR, problems),
                raw.get(Settings.SUBMISSION_MAX_RECIPIENTS_PER_HOUR, problems),
                raw.get(Settings.POP3_FAILED_LOGIN_DELAY, problems));
        boolean delivering = raw.get(Settings.DELIVERY_ENABLED, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        SmtpConfig smtpConfig;
        Pop3Config pop3Config;
        BadmailConfig badmailConfig;
        try {
            smtpConfig = sb.build();
            pop3Config = pb.build();
            // Redelivery resolves user+tag the way SMTP does: same separator, or none when it is off.
            badmailConfig = new BadmailConfig(badmailMaxAge, maxTotal, maxHeader, maxPage, hostname)
                    .withPlusSeparator(smtpConfig.plusAddressing() ? smtpConfig.plusSeparator() : (char) 0);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        SendingSettings sending = new SendingSettings(submission, submissions, smtpConfig.toBuilder()
                .bindAddress(submissionBind).port(submission.port())
                .proxyProtocol(raw.get(Settings.SUBMISSION_PROXY_PROTOCOL, problems)).dnsbl(DnsblConfig.OFF).build(),
                submissionPolicy, delivering, delivery);
        return new ApplianceConfig(file, dataDir, new StoreConfig(spool, index, badmail, reserve, authCacheTtl, authCacheSize), hostname,
                smtp, pop3, pop3s, http, admin, tls, log, grace, smtpConfig, pop3Config, badmailConfig, sweep, backup,
                web, clients, autoconfig, filter, sending, database(raw, problems));
    }

    /** {@code store.backend} and {@code store.jdbc-*}: present for the postgresql backend. */
    private static Optional<PostgresConfig> database(RawConfig raw, List<String> problems) {
        String backend = raw.get(Settings.STORE_BACKEND, problems);
        String url = raw.get(Settings.STORE_JDBC_URL, problems);
        String user = raw.get(Settings.STORE_JDBC_USER, problems);
        String password = raw.get(Settings.STORE_JDBC_PASSWORD, problems);
        Optional<Path> passwordFile = raw.get(Settings.STORE_JDBC_PASSWORD_FILE, problems);
        int pool = raw.get(Settings.STORE_JDBC_POOL_SIZE, problems);
        if (!"postgresql".equals(backend)) {
            return Optional.empty();
        }
        if (url == null || url.isEmpty()) {
            problems.add("store.backend=postgresql needs store.jdbc-url");
            return Optional.empty();
        }
        if (passwordFile.isPresent()) {
            if (password != null && !password.isEmpty()) {
                problems.add("store.jdbc-password and store.jdbc-password-file: set one of them");
            }
            try {
                List<String> lines = java.nio.file.Files.readAllLines(passwordFile.get());
                password = lines.isEmpty() ? "" : lines.get(0);
            } catch (java.io.IOException e) {
                problems.add("store.jdbc-password-file: cannot read " + passwordFile.get() + ": " + e.getMessage());
                return Optional.empty();
            }
        }
        try {
            return Optional.of(new PostgresConfig(url, user, password == null || password.isEmpty() ? null : password,
                    pool));
        } catch (IllegalArgumentException e) {
            problems.add("store.jdbc-url: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code smtp.dnsbl-*} and {@code dns.servers}. */
    private static DnsblConfig dnsbl(RawConfig raw, List<String> problems) {
        List<Network> allow = new ArrayList<>();
        for (String n : raw.get(Settings.SMTP_DNSBL_ALLOW, problems)) {
            try {
                allow.add(Network.parse(n));
            } catch (IllegalArgumentException e) {
                problems.add(Settings.SMTP_DNSBL_ALLOW.key() + ": \"" + n + "\" (" + raw.value(Settings.SMTP_DNSBL_ALLOW).origin()
                        + "): must be an IP network such as 192.168.0.0/16 or 2001:db8::/32");
            }
        }
        return new DnsblConfig(raw.get(Settings.SMTP_DNSBL_ZONES, problems), allow,
                raw.get(Settings.SMTP_DNSBL_REJECT_AT, problems).equals("connect") ? DnsblConfig.RejectAt.CONNECT
                        : DnsblConfig.RejectAt.RCPT,
                raw.get(Settings.SMTP_DNSBL_TIMEOUT, problems), raw.get(Settings.DNS_SERVERS, problems));
    }

    /**
     * Where a listener binds: {@code ::} is every address, IPv6 and IPv4 (Java's sockets on it are
     * dual-stack); on a host without IPv6 it cannot be bound, and {@code 0.0.0.0} is every address
     * there. Any other address is kept.
     */
    static InetAddress listenOn(InetAddress bind, boolean ipv6) {
        if (ipv6 || !(bind instanceof Inet6Address) || !bind.isAnyLocalAddress()) {
            return bind;
        }
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True if this JVM can open an IPv6 socket and bind it to {@code ::} (it does not listen). */
    static boolean ipv6Available() {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.INET6)) {
            probe.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[16]), 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void checkReadable(Setting<?> s, Optional<Path> p, RawConfig raw, List<String> problems) {
        if (p.isPresent() && !Files.isReadable(p.get())) {
            problems.add(s.key() + " = \"" + p.get() + "\" (" + raw.value(s).origin()
                    + "): must be a readable PEM file; it does not exist or cannot be read");
        }
    }

    private static void checkPorts(List<Listener> listeners, List<String> problems) {
        for (int i = 0; i < listeners.size(); i++) {
            for (int j = i + 1; j < listeners.size(); j++) {
                Listener a = listeners.get(i);
                Listener b = listeners.get(j);
                if (a.enabled() && b.enabled() && a.port() != 0 && a.port() == b.port()
                        && (a.bind().equals(b.bind()) || a.bind().isAnyLocalAddress() || b.bind().isAnyLocalAddress())) {
                    problems.add(b.portKey() + " = " + b.port() + ": must differ from " + a.portKey()
                            + ", which is the same port on an overlapping address");
                }
            }
        }
    }

    private static String localHostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            return h.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?") ? h : "localhost";
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** True if the admin listener speaks TLS: it is bound to an address other than loopback. */
    public boolean adminTls() {
        return !admin.bind().isLoopbackAddress();
    }

    /**
     * The PEM certificate the appliance presents: {@code tls.cert}, else the self-signed one under
     * {@code <data.dir>/tls/}.
     */
    public Path certificateFile() {
        return tls.cert().orElse(SelfSignedCertificate.certFileIn(tls.selfSignedDir()));
    }

    /** The PID file's place: {@code <data.dir>/postkontor.pid}. */
    public Path pidFile() {
        return pidFileIn(dataDir);
    }

    /** The PID file's place in a data directory. */
    public static Path pidFileIn(Path dataDir) {
        return dataDir.resolve("postkontor.pid");
    }
}
