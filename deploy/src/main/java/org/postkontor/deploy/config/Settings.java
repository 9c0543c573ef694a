package org.postkontor.deploy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.postgresql.PostgresConfig;

/**
 * Every configuration key the appliance reads, in the order the example file lists them. Adding a
 * key here adds it to {@code postkontor config example}, to the environment overrides and to the
 * checks; the test {@code ExampleFileTest} keeps {@code deploy/postkontor.properties.example} equal to it.
 */
public final class Settings {
    private Settings() {}

    private static final List<Setting<?>> ALL_LIST = new ArrayList<>();

    private static <T> Setting<T> add(String key, ValueType<T> type, String def, String meaning) {
        Setting<T> s = new Setting<>(key, type, def, meaning);
        ALL_LIST.add(s);
        return s;
    }

    private static final Pattern HOSTNAME = Pattern.compile(
            "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    // --- where data lives
    public static final Setting<java.nio.file.Path> DATA_DIR = add("data.dir", ValueType.path(), "./data",
            "Root of the appliance's data: spool/, index/, badmail/ and tls/ live beneath it unless set"
                    + " below, and postkontor.pid while it runs.");
    public static final Setting<Optional<java.nio.file.Path>> SPOOL_DIR = add("store.spool-dir",
            ValueType.optionalPath(), "", "Message bodies (give it its own disk). Empty: <data.dir>/spool.");
    public static final Setting<Optional<java.nio.file.Path>> INDEX_DIR = add("store.index-dir",
            ValueType.optionalPath(), "", "The accounts (snapshot and journal) and the spool's catalog."
                    + " Empty: <data.dir>/index.");
    public static final Setting<Optional<java.nio.file.Path>> BADMAIL_DIR = add("store.badmail-dir",
            ValueType.optionalPath(), "", "Badmail originals (its own volume in production). Empty: <data.dir>/badmail.");
    public static final Setting<Long> FREE_DISK_RESERVE = add("store.free-disk-reserve",
            ValueType.size(0, 1L << 50), Sizes.format(StoreConfig.DEFAULT_FREE_DISK_RESERVE),
            "Below this much free space on the spool, index or badmail volume, new mail gets"
                    + " 452 4.3.1 and /health/ready reports not ready.");

    public static final Setting<String> STORE_BACKEND = add("store.backend", ValueType.oneOf("embedded", "postgresql"),
            "embedded", "embedded: mail and accounts on this machine's disks (spool files and journals)."
                    + " postgresql: accounts and mail in a PostgreSQL database that several appliances share"
                    + " (store.jdbc-*); badmail, the outbound queue and DKIM keys stay under data.dir.");
    public static final Setting<String> STORE_JDBC_URL = add("store.jdbc-url", ValueType.text(2000,
            Pattern.compile("|jdbc:postgresql:.*"), "a jdbc:postgresql: URL, or empty"), "",
            "The database of store.backend=postgresql, e.g. jdbc:postgresql://db:5432/postkontor (add"
                    + " ?currentSchema=name for a schema of its own). The tables are made on first start.");
    public static final Setting<String> STORE_JDBC_USER = add("store.jdbc-user", ValueType.text(63, null, "text"),
            "postkontor", "The database role the appliance connects as.");
    public static final Setting<String> STORE_JDBC_PASSWORD = add("store.jdbc-password",
            ValueType.text(1024, null, "text"), "",
            "Its password (or set POSTKONTOR_STORE_JDBC_PASSWORD, or use store.jdbc-password-file).");
    public static final Setting<Optional<java.nio.file.Path>> STORE_JDBC_PASSWORD_FILE = add(
            "store.jdbc-password-file", ValueType.optionalPath(), "",
            "A file holding the password (its first line), e.g. a Docker secret.");
    public static final Setting<Integer> STORE_JDBC_POOL_SIZE = add("store.jdbc-pool-size",
            ValueType.integer(1, 1000), Integer.toString(PostgresConfig.DEFAULT_POOL_SIZE),
            "Most pooled database connections this appliance holds (two more are its own: maildrop locks"
                    + " and change notifications). Keep the nodes' sum below PostgreSQL's max_connections.");

    // --- identity
    public static final Setting<String> HOSTNAME_SETTING = add("server.hostname",
            ValueType.text(253, Pattern.compile("|" + HOSTNAME.pattern()), "a DNS host name, or empty"), "",
            "The name this server gives in greetings and Received headers, and puts in the self-signed"
                    + " certificate. Empty: this machine's host name.");

    // --- listeners
    public static final Setting<Boolean> SMTP_ENABLED = add("smtp.enabled", ValueType.bool(), "true",
            "Receive mail over SMTP (STARTTLS offered).");
    public static final Setting<java.net.InetAddress> SMTP_BIND = add("smtp.bind", ValueType.bindAddress(),
            "::", "Address the SMTP listener binds (:: is IPv6 and IPv4; 0.0.0.0 on a host without IPv6).");
    public static final Setting<Integer> SMTP_PORT = add("smtp.port", ValueType.port(), "10025",
            "SMTP port (25 in production; the Compose file maps 25 to it).");

    public static final Setting<Long> SMTP_MAX_MESSAGE_SIZE = add("smtp.max-message-size",
            ValueType.size(1, Integer.MAX_VALUE - 1), "25MiB",
            "Largest message accepted (octets of data, advertised as SIZE); larger gets 552 5.3.4.");
    public static final Setting<Integer> SMTP_MAX_RECIPIENTS = add("smtp.max-recipients", ValueType.integer(1, 100_000),
            "100", "Recipients per message; more get 452 4.5.3 (RFC 5321 requires at least 100).");
    public static final Setting<Integer> SMTP_MAX_LINE_LENGTH = add("smtp.max-line-length",
            ValueType.integer(1000, 1_000_000), "1000",
            "Octets of one message line including CRLF (RFC 5321: 1000); longer gets 552 5.6.0.");
    public static final Setting<Integer> SMTP_MAX_CONNECTIONS = add("smtp.max-connections",
            ValueType.integer(1, 100_000), "200", "SMTP sessions at once in all; more get 421 4.7.0.");
    public static final Setting<Integer> SMTP_MAX_CONNECTIONS_PER_IP = add("smtp.max-connections-per-ip",
            ValueType.integer(1, 100_000), "20", "SMTP sessions at once from one client IP; more get 421 4.7.0.");
    public static final Setting<Duration> SMTP_COMMAND_TIMEOUT = add("smtp.command-timeout",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "5m",
            "Idle time waiting for a command (RFC 5321: 5 minutes).");
    public static final Setting<Duration> SMTP_DATA_TIMEOUT = add("smtp.data-timeout",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "3m",
            "Idle time waiting for message data (RFC 5321: 3 minutes).");
    public static final Setting<Duration> SMTP_SESSION_MAX_DURATION = add("smtp.session-max-duration",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "30m",
            "A session is closed with 421 4.4.2 after this long, whatever it does.");
    public static final Setting<Duration> SMTP_TARPIT_DELAY = add("smtp.tarpit-delay",
            ValueType.duration(Duration.ZERO, Duration.ofSeconds(30)), "1s",
            "Reply delay after a client's first bad command.");
    public static final Setting<Duration> SMTP_TARPIT_STEP = add("smtp.tarpit-step",
            ValueType.duration(Duration.ZERO, Duration.ofSeconds(30)), "1s",
            "Added to the delay for every further bad command (capped at 30s).");
    public static final Setting<Integer> SMTP_TARPIT_LIMIT = add("smtp.tarpit-limit", ValueType.integer(1, 10_000),
            "20", "Bad commands after which the session is closed with 421 4.7.0.");
    public static final Setting<Integer> SMTP_MAX_RECEIVED_HEADERS = add("smtp.max-received-headers",
            ValueType.integer(1, 10_000), "50", "A message with more Received: headers is a loop: 554 5.4.6.");
    public static final Setting<Boolean> SMTP_PLUS_ADDRESSING = add("smtp.plus-addressing", ValueType.bool(), "true",
            "Deliver user+tag@domain to user@domain.");
    public static final Setting<String> SMTP_PLUS_SEPARATOR = add("smtp.plus-separator",
            ValueType.text(1, Pattern.compile("[!#$%&'*+/=?^_`{|}~-]"), "one of ! # $ % & ' * + / = ? ^ _ ` { | } ~ -"),
            "+", "The character that starts the tag of plus-addressing.");
    public static final Setting<Boolean> SMTP_PROXY_PROTOCOL = add("smtp.proxy-protocol", ValueType.bool(), "false",
            "Expect a PROXY protocol v1/v2 header first on every SMTP connection (behind HAProxy or a"
                    + " cloud load balancer). Never turn on when clients connect directly.");
    public static final Setting<Optional<java.nio.file.Path>> SMTP_TEMP_DIR = add("smtp.temp-dir",
            ValueType.optionalPath(), "", "Where message data larger than smtp.memory-buffer waits until it"
                    + " is stored. Empty: <data.dir>/tmp.");
    public static final Setting<Long> SMTP_MEMORY_BUFFER = add("smtp.memory-buffer", ValueType.size(0, 64L << 20),
            "256KiB", "Message data up to this size is buffered in memory, larger in smtp.temp-dir.");

    public static final Setting<List<String>> SMTP_DNSBL_ZONES = add("smtp.dnsbl-zones",
            ValueType.list(ValueType.text(253, Pattern.compile(HOSTNAME.pattern().replace("[A-Za-z0-9]([A-Za-z0-9-]",
                    "[A-Za-z0-9_]([A-Za-z0-9_-]")), "a DNS zone name")), "",
            "DNS blocklists the client's address is looked up in at connect, comma-separated (e.g."
                    + " zen.spamhaus.org, which needs your own resolver, not a public one). A listed client gets"
                    + " 554 5.7.1. Empty: no DNSBL checks.");
    public static final Setting<List<String>> SMTP_DNSBL_ALLOW = add("smtp.dnsbl-allow",
            ValueType.list(ValueType.text(50, Pattern.compile("[0-9a-fA-F:.]+(/\\d{1,3})?"), "an IP network (CIDR)")),
            "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7",
            "Client networks never looked up in the DNSBLs (CIDR, comma-separated): your own hosts.");
    public static final Setting<String> SMTP_DNSBL_REJECT_AT = add("smtp.dnsbl-reject-at",
            ValueType.oneOf("rcpt", "connect"), "rcpt",
            "When a listed client is refused: rcpt = every RCPT gets 554 5.7.1 (the log shows sender and"
                    + " recipients), connect = the greeting is 554 5.7.1 and the connection closes.");
    public static final Setting<Duration> SMTP_DNSBL_TIMEOUT = add("smtp.dnsbl-timeout",
            ValueType.duration(Duration.ofMillis(100), Duration.ofMinutes(1)), "5s",
            "Longest the DNSBL look-ups of one connection take together; a list that does not answer"
                    + " counts as not listing the client.");

    // --- inbound filtering (rspamd)
    public static final Setting<Optional<java.net.URI>> FILTER_RSPAMD_URL = add("filter.rspamd-url",
            ValueType.optionalHttpUrl(), "",
            "rspamd's normal worker (HTTP protocol, /checkv2), e.g. http://127.0.0.1:11333. Every inbound"
                    + " message is scanned before the 250 (spam, viruses through ClamAV, SPF/DKIM/DMARC/ARC"
                    + " verdicts in Authentication-Results). Empty: no filtering.");
    public static final Setting<Duration> FILTER_TIMEOUT = add("filter.timeout",
            ValueType.duration(Duration.ofMillis(100), Duration.ofMinutes(5)), "10s",
            "Longest a scan may take (connecting included); longer counts as rspamd unavailable.");
    public static final Setting<String> FILTER_ON_ERROR = add("filter.on-error", ValueType.oneOf("tempfail", "accept"),
            "tempfail", "When rspamd is unreachable, too slow or answers nonsense: tempfail = 451 4.7.1 (the"
                    + " sending server keeps the message and retries), accept = store it with the header"
                    + " X-Postkontor-Filter: not scanned.");
    public static final Setting<java.util.OptionalDouble> FILTER_QUARANTINE_SCORE = add("filter.quarantine-score",
            ValueType.optionalDecimal(-1000, 1000), "",
            "Mail rspamd lets through with a score at or above this goes to the badmail queue (reason spam)"
                    + " instead of the mailboxes; an admin releases it with `admin badmail redeliver`. rspamd's"
                    + " own reject still refuses. Empty: no quarantine.");
    public static final Setting<List<String>> FILTER_VIRUS_SYMBOLS = add("filter.virus-symbols",
            ValueType.list(ValueType.text(64, Pattern.compile("[A-Za-z0-9_]+"), "an rspamd symbol name")),
            "CLAM_VIRUS", "rspamd rules that mean the message carries a virus: it is refused with 554 5.7.1.");

    // --- sending: submission (RFC 6409, RFC 8314) and outbound delivery
    public static final Setting<Boolean> SUBMISSION_ENABLED = add("submission.enabled", ValueType.bool(), "true",
            "Take mail from local users on submission.port (STARTTLS required) and submission.tls-port (implicit"
                    + " TLS): AUTH PLAIN/LOGIN over TLS only, against the POP3 accounts and their login throttle.");
    public static final Setting<java.net.InetAddress> SUBMISSION_BIND = add("submission.bind", ValueType.bindAddress(),
            "::", "Address both submission listeners bind (:: is IPv6 and IPv4; 0.0.0.0 on a host without IPv6).");
    public static final Setting<Integer> SUBMISSION_PORT = add("submission.port", ValueType.port(), "10587",
            "Submission with STARTTLS required (587 in production; the Compose file maps 587 to it).");
    public static final Setting<Integer> SUBMISSION_TLS_PORT = add("submission.tls-port", ValueType.port(), "10465",
            "Submission over implicit TLS (465 in production; the Compose file maps 465 to it).");
    public static final Setting<Boolean> SUBMISSION_PROXY_PROTOCOL = add("submission.proxy-protocol", ValueType.bool(),
            "false", "Expect a PROXY protocol v1/v2 header first on every connection to both submission listeners"
                    + " (behind HAProxy; on submission.tls-port it comes before the TLS handshake), so that logs,"
                    + " trace headers and the failed-login limits see the client's address; a connection without a"
                    + " valid header is closed. Never turn on when clients connect directly.");
    public static final Setting<Integer> SUBMISSION_MAX_MESSAGES_PER_HOUR = add("submission.max-messages-per-hour",
            ValueType.integer(1, 1_000_000), "500",
            "Messages one user may submit in any hour; more get 451 4.7.1 (a stolen password cannot ruin the"
                    + " box's reputation).");
    public static final Setting<Integer> SUBMISSION_MAX_RECIPIENTS_PER_HOUR = add("submission.max-recipients-per-hour",
            ValueType.integer(1, 10_000_000), "2000", "Recipients one user may address in any hour; more get 451 4.7.1.");
    public static final Setting<Boolean> DELIVERY_ENABLED = add("delivery.enabled", ValueType.bool(), "true",
            "Deliver the outbound queue to other servers (by MX, or through relay.host).");
    public static final Setting<Integer> DELIVERY_CONNECTIONS_PER_DOMAIN = add("delivery.connections-per-domain",
            ValueType.integer(1, 100), "2", "Connections at once to one destination domain (or to the relay).");
    public static final Setting<Integer> DELIVERY_MAX_CONNECTIONS = add("delivery.max-connections",
            ValueType.integer(1, 10_000), "20", "Outbound connections at once in all.");
    public static final Setting<Duration> QUEUE_LIFETIME = add("queue.lifetime",
            ValueType.duration(Duration.ofMinutes(1), Duration.ofDays(30)), "5d",
            "A message not delivered this long after it was submitted fails, and its sender gets a bounce.");
    public static final Setting<Duration> QUEUE_DELAY_WARNING = add("queue.delay-warning",
            ValueType.duration(Duration.ofMinutes(1), Duration.ofDays(30)), "4h",
            "The sender is told once that a message is still waiting, this long after it was submitted.");
    public static final Setting<Duration> QUEUE_RETRY_MIN = add("queue.retry-min",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "5m",
            "Wait after the first temporary failure (4xx, no answer); doubled after each further one.");
    public static final Setting<Duration> QUEUE_RETRY_MAX = add("queue.retry-max",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "1h", "The longest wait between two attempts.");
    public static final Setting<String> RELAY_HOST = add("relay.host",
            ValueType.text(253, Pattern.compile("|" + HOSTNAME.pattern()), "a DNS host name, or empty"), "",
            "A smarthost every message goes through (many ISPs block port 25 outbound), with TLS required and"
                    + " its certificate verified. Empty: deliver by MX.");
    public static final Setting<Integer> RELAY_PORT = add("relay.port", ValueType.port(), "587",
            "The smarthost's port.");
    public static final Setting<String> RELAY_TLS = add("relay.tls", ValueType.oneOf("starttls", "implicit"),
            "starttls", "starttls = STARTTLS required (port 587), implicit = TLS from the first byte (port 465).");
    public static final Setting<String> RELAY_USERNAME = add("relay.username", ValueType.text(320, null, "text"), "",
            "AUTH PLAIN user name at the smarthost; empty = no AUTH.");
    public static final Setting<String> RELAY_PASSWORD = add("relay.password", ValueType.text(1024, null, "text"), "",
            "Its password (keep this file readable by the appliance only, or set POSTKONTOR_RELAY_PASSWORD).");

    // --- DNS
    public static final Setting<List<java.net.InetSocketAddress>> DNS_SERVERS = add("dns.servers",
            ValueType.hostPorts(53), "",
            "DNS servers Postkontor asks (DNSBL look-ups; delivery's MX, A/AAAA and TXT for MTA-STS), host or"
                    + " host:port, comma-separated. Empty: the system's resolver (/etc/resolv.conf).");

    public static final Setting<java.net.InetAddress> POP3_BIND = add("pop3.bind", ValueType.bindAddress(),
            "::", "Address both POP3 listeners bind (:: is IPv6 and IPv4; 0.0.0.0 on a host without IPv6).");
    public static final Setting<Boolean> POP3_ENABLED = add("pop3.enabled", ValueType.bool(), "true",
            "Serve POP3 with STLS (RFC 2595) on pop3.port.");
    public static final Setting<Integer> POP3_PORT = add("pop3.port", ValueType.port(), "10110",
            "POP3 port (110 in production).");
    public static final Setting<Boolean> POP3_TLS_ENABLED = add("pop3.tls-enabled", ValueType.bool(), "true",
            "Serve POP3 over implicit TLS (RFC 8314) on pop3.tls-port.");
    public static final Setting<Integer> POP3_TLS_PORT = add("pop3.tls-port", ValueType.port(), "10995",
            "POP3S port (995 in production).");
    public static final Setting<Boolean> POP3_ALLOW_PLAINTEXT_AUTH = add("pop3.allow-plaintext-auth", ValueType.bool(),
            "false", "Allow USER/PASS and SASL PLAIN/LOGIN on a connection without TLS. Leave off: clients"
                    + " use STLS or port 995.");
    public static final Setting<Boolean> POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK = add("pop3.allow-plaintext-auth-loopback",
            ValueType.bool(), "false", "The same, only for clients on 127.0.0.0/8 or ::1 (a local webmail or fetchmail).");
    public static final Setting<Duration> POP3_IDLE_TIMEOUT = add("pop3.idle-timeout",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "10m",
            "Autologout timer (RFC 1939: at least 10 minutes).");
    public static final Setting<Integer> POP3_MAX_COMMAND_LINE = add("pop3.max-command-line",
            ValueType.integer(255, 8192), "255", "Octets of a command line with its CRLF (RFC 2449: 255).");
    public static final Setting<Integer> POP3_MAX_SASL_LINE = add("pop3.max-sasl-line",
            ValueType.integer(255, 1024 * 1024), "8192",
            "Octets of a SASL response line with its CRLF; at least pop3.max-command-line.");
    public static final Setting<Integer> POP3_MAX_CONNECTIONS = add("pop3.max-connections",
            ValueType.integer(1, 100_000), "1000", "POP3 connections at once in all.");
    public static final Setting<Integer> POP3_MAX_CONNECTIONS_PER_ADDRESS = add("pop3.max-connections-per-address",
            ValueType.integer(1, 100_000), "20", "POP3 connections at once from one client IP.");
    public static final Setting<Duration> POP3_FAILED_LOGIN_DELAY = add("pop3.failed-login-delay",
            ValueType.duration(Duration.ZERO, Duration.ofMinutes(1)), "1500ms",
            "A failed login waits this long before its -ERR.");
    public static final Setting<Duration> POP3_FAILURE_WINDOW = add("pop3.failure-window",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "15m",
            "Failed logins older than this are forgotten.");
    public static final Setting<Integer> POP3_MAX_FAILURES_PER_ADDRESS = add("pop3.max-failures-per-address",
            ValueType.integer(1, 1_000_000), "20",
            "Failed logins from one IP within the window before its logins are refused for the rest of it.");
    public static final Setting<Integer> POP3_MAX_FAILURES_PER_USER = add("pop3.max-failures-per-user",
            ValueType.integer(1, 1_000_000), "10",
            "Failed logins for one login name within the window before it is refused for the rest of it.");
    public static final Setting<Duration> POP3_LOGIN_DELAY = add("pop3.login-delay",
            ValueType.duration(Duration.ZERO, Duration.ofDays(1)), "0",
            "RFC 2449 LOGIN-DELAY: least time between two logins of one user; 0 = off.");
    public static final Setting<Integer> POP3_EXPIRE_DAYS = add("pop3.expire-days", ValueType.integer(-1, 36500), "-1",
            "RFC 2449 EXPIRE: -1 = NEVER; else a retrieved message this many days old is removed at QUIT.");
    public static final Setting<Integer> POP3_MAX_BAD_COMMANDS = add("pop3.max-bad-commands",
            ValueType.integer(1, 10_000), "20", "-ERR replies to bad commands before the connection is closed.");
    public static final Setting<Duration> POP3_TLS_HANDSHAKE_TIMEOUT = add("pop3.tls-handshake-timeout",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofMinutes(10)), "30s",
            "Time a client has to finish the TLS handshake.");
    public static final Setting<String> POP3_IMPLEMENTATION = add("pop3.implementation",
            ValueType.text(100, Pattern.compile("[ -~]+"), "1 to 100 printable ASCII characters"), "Postkontor",
            "CAPA IMPLEMENTATION and greeting text.");
    public static final Setting<Boolean> POP3_PROXY_PROTOCOL = add("pop3.proxy-protocol", ValueType.bool(), "false",
            "Expect a PROXY protocol v1/v2 header first on every connection to both POP3 listeners"
                    + " (behind HAProxy or a cloud load balancer), so that logs, pop3.max-connections-per-address,"
                    + " the failed-login limits and pop3.allow-plaintext-auth-loopback see the client's address;"
                    + " a connection without a valid header is closed. Never turn on when clients connect directly.");

    // --- authentication
    public static final Setting<Duration> AUTH_CACHE_TTL = add("auth.cache-ttl",
            ValueType.duration(Duration.ZERO, Duration.ofDays(1)), "1h",
            "How long a successful password check is remembered (like Dovecot's auth_cache_ttl): the"
                    + " same user with the same password logs in again without the slow Argon2id hash while"
                    + " the stored hash is unchanged. Only a keyed hash of the password is kept, in memory. A"
                    + " wrong password is always checked in full; a password change, disable or delete counts"
                    + " at once. 0 turns the cache off.");
    public static final Setting<Integer> AUTH_CACHE_SIZE = add("auth.cache-size", ValueType.integer(1, 1_000_000),
            "10000", "Most users the auth cache remembers at once; the least recently used go first.");

    public static final Setting<java.net.InetAddress> HTTP_BIND = add("http.bind", ValueType.bindAddress(),
            "127.0.0.1", "Address of the HTTP listener for /metrics, /health/live and /health/ready"
                    + " (0.0.0.0 in a container so Prometheus can scrape it).");
    public static final Setting<Integer> HTTP_PORT = add("http.port", ValueType.port(), "8080",
            "Port of the metrics and health listener.");

    public static final Setting<Boolean> ADMIN_ENABLED = add("admin.enabled", ValueType.bool(), "true",
            "Serve the admin HTTP API (what `postkontor admin` talks to while the appliance runs) and the"
                    + " web admin page.");
    public static final Setting<java.net.InetAddress> ADMIN_BIND = add("admin.bind", ValueType.bindAddress(),
            "127.0.0.1", "Address of the admin HTTP API and web admin page. On loopback it speaks plain HTTP;"
                    + " bound to any other address it speaks HTTPS with the appliance's certificate.");
    public static final Setting<Integer> ADMIN_PORT = add("admin.port", ValueType.port(), "8081",
            "Port of the admin HTTP API and web admin page.");

    public static final Setting<Boolean> WEB_USER_PAGES = add("web.user-pages", ValueType.bool(), "false",
            "Self-service on the admin listener (/me): a mail user logs in with the full address and"
                    + " password to change the password or see the settings to type into a mail client. Admins"
                    + " log in at / (make the first with `postkontor admin web-user add NAME`).");
    public static final Setting<Duration> WEB_SESSION_IDLE_TIMEOUT = add("web.session-idle-timeout",
            ValueType.duration(Duration.ofMinutes(1), Duration.ofDays(1)), "30m",
            "A web session (admin or self-service) unused this long is signed out.");
    public static final Setting<Duration> WEB_FAILED_LOGIN_DELAY = add("web.failed-login-delay",
            ValueType.duration(Duration.ZERO, Duration.ofMinutes(1)), "1500ms",
            "A failed web login waits this long before its answer.");
    public static final Setting<Duration> WEB_FAILURE_WINDOW = add("web.failure-window",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "15m",
            "Failed web logins older than this are forgotten.");
    public static final Setting<Integer> WEB_MAX_FAILURES_PER_ADDRESS = add("web.max-failures-per-address",
            ValueType.integer(1, 1_000_000), "20",
            "Failed web logins from one IP within the window before its logins are refused for the rest of it.");
    public static final Setting<Integer> WEB_MAX_FAILURES_PER_USER = add("web.max-failures-per-user",
            ValueType.integer(1, 1_000_000), "10",
            "Failed web logins for one name within the window before it is refused for the rest of it.");

    // --- what mail clients are told
    public static final Setting<String> CLIENTS_MAIL_HOST = add("clients.mail-host",
            ValueType.text(253, Pattern.compile("|" + HOSTNAME.pattern()), "a DNS host name, or empty"), "",
            "The host name mail clients connect to, as autoconfig, Autodiscover, the Apple profile, the"
                    + " self-service page and `admin domain dns` announce it (a name the certificate covers)."
                    + " Empty: server.hostname.");
    public static final Setting<Integer> CLIENTS_POP3S_PORT = add("clients.pop3s-port", ValueType.integer(1, 65535),
            "995", "The POP3 port clients are told (implicit TLS): the public one, which Compose maps to"
                    + " pop3.tls-port.");
    public static final Setting<Integer> CLIENTS_SUBMISSION_PORT = add("clients.submission-port",
            ValueType.integer(1, 65535), "587", "The submission port clients are told (STARTTLS): the public one,"
                    + " which Compose maps to submission.port.");
    public static final Setting<Integer> CLIENTS_SUBMISSIONS_PORT = add("clients.submissions-port",
            ValueType.integer(1, 65535), "465", "The submission port clients are told for implicit TLS: the"
                    + " public one, which Compose maps to submission.tls-port.");
    public static final Setting<java.net.InetAddress> AUTOCONFIG_BIND = add("autoconfig.bind", ValueType.bindAddress(),
            "::", "Address of the public HTTPS listener for client autoconfiguration.");
    public static final Setting<Optional<Integer>> AUTOCONFIG_PORT = add("autoconfig.port", ValueType.optionalPort(),
            "", "HTTPS port for Thunderbird autoconfig, Outlook Autodiscover and the Apple profile (443 in"
                    + " production, published for autoconfig.DOMAIN and autodiscover.DOMAIN). Empty: off.");

    // --- badmail
    public static final Setting<Duration> BADMAIL_MAX_AGE = add("badmail.max-age",
            ValueType.duration(Duration.ofMinutes(1), Duration.ofDays(3653)), "30d",
            "Badmail items received longer ago than this are evicted.");
    public static final Setting<Long> BADMAIL_MAX_TOTAL_BYTES = add("badmail.max-total-bytes",
            ValueType.size(1L << 20, 1L << 44), "1GiB",
            "Size cap of the badmail queue; past it the oldest items are evicted. At least twice"
                    + " smtp.max-message-size.");
    public static final Setting<Long> BADMAIL_SHOW_MAX_HEADER_BYTES = add("badmail.show.max-header-bytes",
            ValueType.size(1024, 1L << 20), "256KiB", "How much of an original `admin badmail show` reads for its headers.");
    public static final Setting<Integer> BADMAIL_LIST_MAX_PAGE_SIZE = add("badmail.list.max-page-size",
            ValueType.integer(1, 10_000), "1000", "Largest page `admin badmail list` returns.");
    public static final Setting<Duration> BADMAIL_SWEEP_INTERVAL = add("badmail.sweep-interval",
            ValueType.duration(Duration.ofSeconds(1), Duration.ofDays(1)), "1m",
            "How often retention (max-age, max-total-bytes) runs.");

    // --- backup
    public static final Setting<Optional<java.nio.file.Path>> BACKUP_DIR = add("backup.dir", ValueType.optionalPath(), "",
            "Where scheduled online backups go, one directory each (postkontor-<UTC time>); put it on"
                    + " another disk. Empty: no scheduled backups (`postkontor admin backup DIR` still works).");
    public static final Setting<Duration> BACKUP_INTERVAL = add("backup.interval",
            ValueType.duration(Duration.ofMinutes(1), Duration.ofDays(366)), "1d",
            "Time between two scheduled backups (the first runs this long after the start).");
    public static final Setting<Integer> BACKUP_KEEP = add("backup.keep", ValueType.integer(1, 10_000), "7",
            "Complete scheduled backups kept; older ones are deleted after a new one is complete. Each"
                    + " backup hard-links the message files the one before has, so a kept backup costs"
                    + " only the mail that came in between.");

    // --- TLS
    public static final Setting<Optional<java.nio.file.Path>> TLS_CERT = add("tls.cert", ValueType.optionalPath(), "",
            "PEM certificate chain, leaf first (Let's Encrypt: fullchain.pem). Empty: a self-signed"
                    + " certificate is made on first start under <data.dir>/tls/.");
    public static final Setting<Optional<java.nio.file.Path>> TLS_KEY = add("tls.key", ValueType.optionalPath(), "",
            "PEM private key of tls.cert: PKCS#8, PKCS#1 (BEGIN RSA PRIVATE KEY) or SEC1 (BEGIN EC"
                    + " PRIVATE KEY), unencrypted (Let's Encrypt: privkey.pem). Set both or neither.");
    public static final Setting<Duration> TLS_RELOAD_INTERVAL = add("tls.reload-interval",
            ValueType.duration(Duration.ZERO, Duration.ofDays(1)), "30s",
            "How often the PEM files' modification times are checked; changed files are loaded and"
                    + " new connections get the new certificate. 0 turns reloading off.");
    public static final Setting<String> TLS_PROFILE = add("tls.profile", ValueType.oneOf("modern", "compatible"),
            "modern", "modern: TLS 1.3 and 1.2 with forward-secret AEAD ciphers only (ECDHE + AES-GCM or"
                    + " ChaCha20). compatible: also TLS 1.2 CBC and RSA-key-exchange ciphers, for old mail"
                    + " clients (Outlook 2010 on Windows 7, old phones). TLS 1.0 and 1.1 are never offered.");
    public static final Setting<String> TLS_POP3_PROVIDER = add("tls.pop3-provider", ValueType.oneOf("openssl", "jdk"),
            "openssl", "TLS implementation of POP3S and POP3 STLS. openssl: BoringSSL, shipped with the appliance"
                    + " for Linux on x86-64 and ARM64 (where it cannot load, the JDK's is used and a warning logged);"
                    + " jdk: the JDK's. SMTP, submission and HTTPS always use the JDK's. Same certificate, profile"
                    + " and reloading either way.");

    // --- logs
    public static final Setting<String> LOG_FORMAT = add("log.format", ValueType.oneOf("kv", "json"), "kv",
            "Log line format on standard output: kv = time level logger key=value..., json = one JSON"
                    + " object per line (for Loki, Elasticsearch, journald).");
    public static final Setting<String> LOG_LEVEL = add("log.level",
            ValueType.oneOf("ERROR", "WARN", "INFO", "DEBUG", "TRACE"), "INFO",
            "Level of the appliance's loggers. The per-transaction lines (postkontor.smtp) and"
                    + " per-session lines (postkontor.pop3) are INFO.");

    // --- lifecycle
    public static final Setting<Duration> SHUTDOWN_GRACE = add("shutdown.grace-period",
            ValueType.duration(Duration.ZERO, Duration.ofMinutes(10)), "30s",
            "On SIGTERM the listeners stop accepting at once; sessions in flight get this long to"
                    + " finish. POP3 sessions cut off then delete nothing.");

    /** Every key, in file order. */
    public static final List<Setting<?>> ALL = Collections.unmodifiableList(ALL_LIST);

    public static Map<String, Setting<?>> byKey() {
        Map<String, Setting<?>> m = new LinkedHashMap<>();
        for (Setting<?> s : ALL) {
            m.put(s.key(), s);
        }
        return m;
    }
}
