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
            ValueType.optionalPath(), "", "The H2 index files. Empty: <data.dir>/index.");
    public static final Setting<Optional<java.nio.file.Path>> BADMAIL_DIR = add("store.badmail-dir",
            ValueType.optionalPath(), "", "Badmail originals (its own volume in production). Empty: <data.dir>/badmail.");
    public static final Setting<Long> FREE_DISK_RESERVE = add("store.free-disk-reserve",
            ValueType.size(0, 1L << 50), Sizes.format(StoreConfig.DEFAULT_FREE_DISK_RESERVE),
            "Below this much free space on the spool, index or badmail volume, new mail gets"
                    + " 452 4.3.1 and /health/ready reports not ready.");

    // --- identity
    public static final Setting<String> HOSTNAME_SETTING = add("server.hostname",
            ValueType.text(253, Pattern.compile("|" + HOSTNAME.pattern()), "a DNS host name, or empty"), "",
            "The name this server gives in greetings and Received headers, and puts in the self-signed"
                    + " certificate. Empty: this machine's host name.");

    // --- listeners
    public static final Setting<Boolean> SMTP_ENABLED = add("smtp.enabled", ValueType.bool(), "true",
            "Receive mail over SMTP (STARTTLS offered).");
    public static final Setting<java.net.InetAddress> SMTP_BIND = add("smtp.bind", ValueType.bindAddress(),
            "0.0.0.0", "Address the SMTP listener binds.");
    public static final Setting<Integer> SMTP_PORT = add("smtp.port", ValueType.port(), "10025",
            "SMTP port (25 in production; the Compose file maps 25 to it).");

    public static final Setting<Boolean> POP3_ENABLED = add("pop3.enabled", ValueType.bool(), "true",
            "Serve POP3 with STLS (RFC 2595).");
    public static final Setting<java.net.InetAddress> POP3_BIND = add("pop3.bind", ValueType.bindAddress(),
            "0.0.0.0", "Address the POP3 listener binds.");
    public static final Setting<Integer> POP3_PORT = add("pop3.port", ValueType.port(), "10110",
            "POP3 port (110 in production).");

    public static final Setting<Boolean> POP3S_ENABLED = add("pop3s.enabled", ValueType.bool(), "true",
            "Serve POP3 over implicit TLS (RFC 8314).");
    public static final Setting<java.net.InetAddress> POP3S_BIND = add("pop3s.bind", ValueType.bindAddress(),
            "0.0.0.0", "Address the POP3S listener binds.");
    public static final Setting<Integer> POP3S_PORT = add("pop3s.port", ValueType.port(), "10995",
            "POP3S port (995 in production).");

    public static final Setting<java.net.InetAddress> HTTP_BIND = add("http.bind", ValueType.bindAddress(),
            "127.0.0.1", "Address of the HTTP listener for /metrics, /health/live and /health/ready"
                    + " (0.0.0.0 in a container so Prometheus can scrape it).");
    public static final Setting<Integer> HTTP_PORT = add("http.port", ValueType.port(), "8080",
            "Port of the metrics and health listener.");

    public static final Setting<Boolean> ADMIN_ENABLED = add("admin.enabled", ValueType.bool(), "true",
            "Serve the admin HTTP API (what `postkontor admin` talks to while the appliance runs).");
    public static final Setting<java.net.InetAddress> ADMIN_BIND = add("admin.bind", ValueType.bindAddress(),
            "127.0.0.1", "Address of the admin HTTP API. Keep it on loopback.");
    public static final Setting<Integer> ADMIN_PORT = add("admin.port", ValueType.port(), "8081",
            "Port of the admin HTTP API.");

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
