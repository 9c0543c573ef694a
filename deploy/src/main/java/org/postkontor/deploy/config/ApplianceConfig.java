package org.postkontor.deploy.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.StoreConfig;

/**
 * The whole appliance's configuration, checked and immutable. Built only by {@link #load}, which
 * reports every mistake at once, each naming its key.
 *
 * @param source the config file read, if any
 */
public record ApplianceConfig(Optional<Path> source, Path dataDir, StoreConfig store, String hostname,
                              Listener smtp, Listener pop3, Listener pop3s, Listener http, Listener admin,
                              TlsSettings tls, LogSettings log, Duration shutdownGrace) {

    public ApplianceConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    }

    /** A listening socket. {@code name} is what logs, health and metrics call it. */
    public record Listener(String name, boolean enabled, InetAddress bind, int port) {
        public InetSocketAddress address() {
            return new InetSocketAddress(bind, port);
        }

        public Listener withPort(int newPort) {
            return new Listener(name, enabled, bind, newPort);
        }
    }

    /**
     * Where the certificate comes from.
     *
     * @param cert          PEM chain; empty = self-signed under {@code selfSignedDir}
     * @param key           PEM key, set exactly when {@code cert} is
     * @param reloadInterval 0 = never poll
     */
    public record TlsSettings(Optional<Path> cert, Optional<Path> key, Path selfSignedDir, Duration reloadInterval,
                              String profile) {}

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
        RawConfig raw = RawConfig.read(file, env);
        List<String> problems = new ArrayList<>(raw.problems());
        Path dataDir = raw.get(Settings.DATA_DIR, problems);
        Path spool = raw.get(Settings.SPOOL_DIR, problems).orElse(dataDir.resolve("spool"));
        Path index = raw.get(Settings.INDEX_DIR, problems).orElse(dataDir.resolve("index"));
        Path badmail = raw.get(Settings.BADMAIL_DIR, problems).orElse(dataDir.resolve("badmail"));
        long reserve = raw.get(Settings.FREE_DISK_RESERVE, problems);
        String hostname = raw.get(Settings.HOSTNAME_SETTING, problems);
        if (hostname.isEmpty()) {
            hostname = localHostName();
        }
        Listener smtp = new Listener("smtp", raw.get(Settings.SMTP_ENABLED, problems),
                raw.get(Settings.SMTP_BIND, problems), raw.get(Settings.SMTP_PORT, problems));
        Listener pop3 = new Listener("pop3", raw.get(Settings.POP3_ENABLED, problems),
                raw.get(Settings.POP3_BIND, problems), raw.get(Settings.POP3_PORT, problems));
        Listener pop3s = new Listener("pop3s", raw.get(Settings.POP3S_ENABLED, problems),
                raw.get(Settings.POP3S_BIND, problems), raw.get(Settings.POP3S_PORT, problems));
        Listener http = new Listener("http", true, raw.get(Settings.HTTP_BIND, problems),
                raw.get(Settings.HTTP_PORT, problems));
        Listener admin = new Listener("admin", raw.get(Settings.ADMIN_ENABLED, problems),
                raw.get(Settings.ADMIN_BIND, problems), raw.get(Settings.ADMIN_PORT, problems));
        checkPorts(List.of(smtp, pop3, pop3s, http, admin), problems);

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
                raw.get(Settings.TLS_PROFILE, problems));
        LogSettings log = new LogSettings(raw.get(Settings.LOG_FORMAT, problems), raw.get(Settings.LOG_LEVEL, problems));
        Duration grace = raw.get(Settings.SHUTDOWN_GRACE, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ApplianceConfig(file, dataDir, new StoreConfig(spool, index, badmail, reserve), hostname,
                smtp, pop3, pop3s, http, admin, tls, log, grace);
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
                    problems.add(b.name() + ".port = " + b.port() + ": must differ from " + a.name()
                            + ".port, which is the same port on an overlapping address");
                }
            }
        }
    }

    private static String localHostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            return h.isBlank() ? "localhost" : h;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** The PID file's place: {@code <data.dir>/postkontor.pid}. */
    public Path pidFile() {
        return dataDir.resolve("postkontor.pid");
    }
}
