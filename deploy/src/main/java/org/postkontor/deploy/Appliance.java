package org.postkontor.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminHttpApi;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.admin.autoconfig.AutoconfigHttp;
import org.postkontor.admin.web.WebAdmin;
import org.postkontor.store.Stores;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.config.Durations;
import org.postkontor.deploy.config.Sizes;
import org.postkontor.deploy.http.HttpListener;
import org.postkontor.deploy.http.Readiness;
import org.postkontor.deploy.lifecycle.PidFile;
import org.postkontor.deploy.metrics.ApplianceGauges;
import org.postkontor.deploy.metrics.Meters;
import org.postkontor.deploy.metrics.BadmailMeters;
import org.postkontor.deploy.metrics.Pop3Meters;
import org.postkontor.deploy.metrics.SmtpMeters;
import org.postkontor.deploy.metrics.StoreMeters;
import org.postkontor.deploy.metrics.TlsMeters;
import org.postkontor.deploy.tls.CertificateSource;
import org.postkontor.deploy.tls.TlsException;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.deploy.backup.BackupSchedule;
import org.postkontor.deploy.metrics.BackupMeters;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.netty.NettyPop3Server;
import org.postkontor.smtp.Listener;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.smtp.filter.Filtering;
import org.postkontor.smtp.filter.RspamdFilter;
import org.postkontor.deliver.OutboundDelivery;
import org.postkontor.deploy.metrics.SendingMeters;
import org.postkontor.pop3.SessionServices;
import org.postkontor.store.LoginThrottle;
import org.postkontor.submit.Logins;
import org.postkontor.submit.Submission;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: everything the appliance runs, wired by constructor from one
 * {@link ApplianceConfig}, a {@link Clock} and a {@link PasswordHasher}. {@link #start} brings it
 * up in dependency order (PID file, metrics, TLS, store, listeners, HTTP) and undoes what it did if
 * a step fails; {@link #close()} shuts down in reverse: not ready, stop accepting, let sessions in
 * flight finish within {@code shutdown.grace-period}, close the store, remove the PID file.
 */
public final class Appliance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Appliance.class);

    private final ApplianceConfig config;
    private final Clock clock;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<String, InetSocketAddress> addresses = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final List<MailService> services = new ArrayList<>();
    private final Readiness readiness = new Readiness();
    private Meters meters;
    private Store store;
    private BadmailQueue badmail;
    private CertificateSource tls;
    private PidFile pidFile;
    private volatile boolean storeOpen;
    /** The backup schedule, once started (the admin API reads it); null when none is configured. */
    private volatile BackupSchedule backups;
    private boolean closed;

    private Appliance(ApplianceConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** The production password hasher: Argon2id with the store's default parameters. */
    public static PasswordHasher defaultHasher() {
        return new Argon2idPasswordHasher(Argon2Params.DEFAULT);
    }

    /** Starts everything; on failure closes what was started and throws. */
    public static Appliance start(ApplianceConfig config, Clock clock, PasswordHasher hasher)
            throws StartException {
        Appliance a = new Appliance(config, clock);
        try {
            a.startAll(hasher);
            return a;
        } catch (StartException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private void startAll(PasswordHasher hasher) throws StartException {
        Instant began = clock.instant();
        StoreConfig sc = config.store();
        try {
            Files.createDirectories(config.dataDir());
            for (Path d : List.of(sc.spoolDir(), sc.indexDir(), sc.badmailDir(), config.smtpConfig().tempDir())) {
                Files.createDirectories(d);
            }
        } catch (IOException e) {
            throw new StartException("cannot create the data directories under " + config.dataDir() + ": " + e, e);
        }
        try {
            pidFile = PidFile.acquire(config.pidFile());
        } catch (IOException e) {
            throw new StartException(e.getMessage(), e);
        }

        meters = new Meters();
        resources.add(meters);
        var registry = meters.registry();
        ApplianceGauges.register(registry, sc, readiness::ready, Version.current());

        try {
            tls = CertificateSource.open(config.tls().cert(), config.tls().key(), config.tls().selfSignedDir(),
                    config.hostname(), config.tls().profile(), config.tls().pop3Provider(), clock,
                    new TlsMeters(registry));
        } catch (TlsException e) {
            throw new StartException("TLS: " + e.getMessage()
                    + (config.tls().cert().isPresent() ? " (keys tls.cert / tls.key)" : ""), e);
        }
        resources.add(tls);
        tls.startPolling(config.tls().reloadInterval());

        PlatformThreadHasher offloaded = new PlatformThreadHasher(hasher,
                Math.max(1, Runtime.getRuntime().availableProcessors()));
        resources.add(offloaded);
        try {
            store = Stores.open(sc, config.database(), offloaded, clock, new StoreMeters(registry));
        } catch (StoreException e) {
            throw new StartException("cannot open the store (" + config.database().map(d -> "database " + d.jdbcUrl()
                    + ", ").orElse("") + "spool " + sc.spoolDir() + ", index " + sc.indexDir() + "): " + e.getMessage(), e);
        }
        storeOpen = true;
        resources.add(() -> {
            storeOpen = false;
            store.close();
        });
        ApplianceGauges.registerStore(registry, () -> store.admin().stats(), () -> storeOpen, clock,
                config.database().isPresent() ? Duration.ofMinutes(1) : Duration.ofSeconds(5));
        readiness.add("store", () -> storeOpen ? Optional.empty() : Optional.of("closed"));
        addDiskChecks(sc);

        badmail = BadmailQueue.over(store, config.badmailConfig(), clock, new BadmailMeters(registry));
        ApplianceGauges.registerBadmail(registry, badmail::status, config.badmailConfig().maxTotalBytes(), clock);
        startSweeper();
        startBackups(registry);

        if (config.smtp().enabled()) {
            SmtpServer smtp = new SmtpServer(config.smtpConfig(), store.directory(), store.spool(), badmail,
                    new SmtpMeters(registry), clock, tls.contextFor("smtp"), filtering());
            try {
                smtp.start();
            } catch (UncheckedIOException e) {
                throw new StartException(e.getMessage() + " (keys smtp.bind / smtp.port)", e);
            }
            addService(new SmtpService("smtp", smtp), List.of("smtp"));
        }
        // one throttle for every protocol that checks passwords: switching protocols gains an attacker nothing
        LoginThrottle logins = SessionServices.throttle(config.pop3Config(), clock);
        startSending(registry, logins);
        if (config.pop3().enabled() || config.pop3s().enabled()) {
            Pop3Server pop3 = new NettyPop3Server(SessionServices.create(config.pop3Config(), store.maildrops(),
                    store.accounts(), new Pop3Meters(registry), clock, logins), tls.pop3Engines("pop3"));
            try {
                pop3.start();
                addService(new Pop3Service(pop3), config.pop3Config().plainPort() >= 0 && config.pop3Config().tlsPort() >= 0
                        ? List.of("pop3", "pop3s") : config.pop3Config().plainPort() >= 0 ? List.of("pop3") : List.of("pop3s"));
            } catch (IOException e) {
                pop3.stop(Duration.ZERO);
                throw new StartException("cannot listen for POP3 on " + config.pop3Config().bindAddress() + " ports "
                        + config.pop3Config().plainPort() + "/" + config.pop3Config().tlsPort()
                        + " (keys pop3.bind / pop3.port / pop3.tls-port): " + e.getMessage(), e);
            }
        }

        startHttp();
        log.info("event=started took_ms={}", Duration.between(began, clock.instant()).toMillis());
        for (String line : Summary.startLines(this)) {
            log.info(line);
        }
    }

    /** {@code filter.*}: rspamd over HTTP, or off when {@code filter.rspamd-url} is empty. */
    private Filtering filtering() {
        ApplianceConfig.FilterSettings f = config.filter();
        if (!f.enabled()) {
            return Filtering.OFF;
        }
        log.info("event=filter_enabled rspamd={} timeout={} on_error={} quarantine_score={}", f.rspamdUrl().get(),
                Durations.format(f.timeout()), f.onError().name().toLowerCase(java.util.Locale.ROOT),
                f.quarantineScore().isPresent() ? f.quarantineScore().getAsDouble() : "off");
        return new Filtering(new RspamdFilter(f.rspamdUrl().get(), f.timeout()), f.onError(), f.quarantineScore(),
                java.util.Set.copyOf(f.virusSymbols()));
    }

    /**
     * The submission listeners (587 STARTTLS, 465 implicit TLS) and outbound delivery. Delivery is
     * stopped before the store closes (resources close in reverse order).
     */
    private void startSending(io.micrometer.core.instrument.MeterRegistry registry, LoginThrottle logins)
            throws StartException {
        ApplianceConfig.SendingSettings sending = config.sending();
        SendingMeters meters = new SendingMeters(registry);
        SendingMeters.registerQueue(registry, () -> store.outbound().totals(), clock);
        if (sending.deliveryEnabled()) {
            OutboundDelivery delivery = new OutboundDelivery(store.outbound(), store.directory(), store.spool(),
                    sending.delivery(), meters, clock, systemTrust());
            delivery.onlyWhile(store::leads);
            delivery.start();
            resources.add(() -> delivery.stop(config.shutdownGrace()));
        }
        if (!sending.submission().enabled()) {
            return;
        }
        char plus = config.smtpConfig().plusAddressing() ? config.smtpConfig().plusSeparator() : (char) 0;
        Submission role = new Submission(store, sending.policy(), meters, clock, plus);
        Logins check = new Logins(store.accounts(), logins, sending.policy(), meters, Logins.Sleeper.REAL);
        for (ApplianceConfig.Listener l : List.of(sending.submission(), sending.submissions())) {
            Listener.Tls mode = l.name().equals("submission") ? Listener.Tls.STARTTLS_REQUIRED : Listener.Tls.IMPLICIT;
            SmtpServer server = new SmtpServer(sending.submissionSmtp().toBuilder().port(l.port()).build(),
                    new Listener(l.name(), mode, check, role), meters.listener(), clock, tls.contextFor("submission"));
            try {
                server.start();
            } catch (UncheckedIOException e) {
                throw new StartException(e.getMessage() + " (keys submission.bind / " + l.portKey() + ")", e);
            }
            addService(new SmtpService(l.name(), server), List.of(l.name()));
        }
    }

    /** The JDK's trusted roots, for the certificates delivery verifies (MTA-STS, the relay). */
    private static javax.net.ssl.X509TrustManager systemTrust() throws StartException {
        try {
            javax.net.ssl.TrustManagerFactory f = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            f.init((java.security.KeyStore) null);
            for (javax.net.ssl.TrustManager t : f.getTrustManagers()) {
                if (t instanceof javax.net.ssl.X509TrustManager x) {
                    return x;
                }
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new StartException("the JDK has no trusted roots: " + e.getMessage(), e);
        }
        throw new StartException("the JDK has no X.509 trust manager", null);
    }

    private void addDiskChecks(StoreConfig sc) {
        long reserve = sc.freeDiskReserveBytes();
        Map<String, Path> volumes = new LinkedHashMap<>();
        volumes.put("spool", sc.spoolDir());
        volumes.put("index", sc.indexDir());
        volumes.put("badmail", sc.badmailDir());
        volumes.forEach((name, dir) -> readiness.add("disk " + name, () -> {
            double free = ApplianceGauges.usable(dir, true);
            if (Double.isNaN(free)) {
                return Optional.of("cannot read free space of " + dir);
            }
            return free < reserve
                    ? Optional.of(Sizes.human((long) free) + " free, reserve " + Sizes.human(reserve))
                    : Optional.empty();
        }));
    }

    private void startHttp() throws StartException {
        try {
            HttpListener http = new HttpListener(config.http().address());
            resources.add(http);
            http.metricsAndHealth(meters::scrape, readiness);
            http.start();
            addresses.put("http", http.address());
        } catch (IOException e) {
            throw new StartException("cannot listen on " + config.http().address() + " (keys http.bind / http.port): "
                    + e.getMessage(), e);
        }
        if (config.admin().enabled()) {
            AdminToken token;
            try {
                token = AdminToken.ensure(config.dataDir());
            } catch (IOException e) {
                throw new StartException("cannot write the admin token under " + config.dataDir() + ": " + e, e);
            }
            try {
                HttpListener admin = new HttpListener(config.admin().address(),
                        config.adminTls() ? tls.contextFor("https") : null);
                resources.add(admin);
                AdminApi api = new AdminApi(store, badmail, new AdminApi.ApplianceState() {
                    @Override
                    public List<AdminApi.Listener> listeners() {
                        return adminListeners();
                    }

                    @Override
                    public Optional<AdminApi.BackupState> backups() {
                        BackupSchedule b = backups;
                        return b == null ? Optional.empty() : Optional.of(new AdminApi.BackupState(
                                b.dir().toString(), b.lastComplete(), b.lastFailure()));
                    }
                }, "running", config.clients());
                admin.mount(AdminApi.PREFIX, new AdminHttpApi(api, token));
                admin.mount("/", new WebAdmin(api, store.webUsers(), store.accounts(), config.clients(), config.web(),
                        config.adminTls(), readiness::problems, clock));
                admin.start();
                addresses.put("admin", admin.address());
            } catch (IOException e) {
                throw new StartException("cannot listen on " + config.admin().address()
                        + " (keys admin.bind / admin.port): " + e.getMessage(), e);
            }
        }
        if (config.autoconfig().enabled()) {
            try {
                HttpListener autoconfig = new HttpListener(config.autoconfig().address(), tls.contextFor("https"));
                resources.add(autoconfig);
                autoconfig.mount("/", new AutoconfigHttp(store.directory(), config.clients()));
                autoconfig.start();
                addresses.put("autoconfig", autoconfig.address());
            } catch (IOException e) {
                throw new StartException("cannot listen on " + config.autoconfig().address()
                        + " (keys autoconfig.bind / autoconfig.port): " + e.getMessage(), e);
            }
        }
    }

    private void addService(MailService s, List<String> listeners) {
        services.add(s);
        addresses.putAll(s.addresses());
        for (String name : listeners) {
            readiness.add("listener " + name, () -> s.listening(name) ? Optional.empty() : Optional.of("not listening"));
        }
    }

    private void startSweeper() {
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "badmail-sweep");
            t.setDaemon(true);
            return t;
        });
        resources.add(sweeper::shutdownNow);
        long ms = config.badmailSweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                if (store.leads()) { // once per cluster on a shared store
                    badmail.sweep();
                }
            } catch (StoreException | RuntimeException e) {
                log.warn("event=badmail_sweep_failed error=\"{}\"", e.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Scheduled backups, when {@code backup.dir} is set; stopped (a backup in progress finishing) before the store. */
    private void startBackups(io.micrometer.core.instrument.MeterRegistry registry) throws StartException {
        if (config.backup().dir().isEmpty()) {
            return;
        }
        BackupSchedule schedule = new BackupSchedule(store, config.backup(), clock,
                new BackupMeters(registry, config.backup().interval()));
        try {
            schedule.start();
        } catch (IOException e) {
            throw new StartException("cannot create the backup directory (key backup.dir): " + e.getMessage(), e);
        }
        backups = schedule;
        resources.add(() -> schedule.close(config.shutdownGrace()));
    }

    /** What {@code admin status} shows: the mail listeners and how they do TLS. */
    private List<AdminApi.Listener> adminListeners() {
        List<AdminApi.Listener> out = new ArrayList<>();
        addresses.forEach((name, a) -> {
            String tls = switch (name) {
                case "smtp", "submission" -> "starttls";
                case "submissions" -> "implicit";
                case "pop3" -> "stls";
                case "pop3s" -> "implicit";
                default -> null;
            };
            if (tls != null) {
                out.add(new AdminApi.Listener(name, a.getAddress().getHostAddress(), a.getPort(), tls));
            }
        });
        return out;
    }

    public ApplianceConfig config() {
        return config;
    }

    /**
     * Bound addresses by name: {@code smtp}, {@code submission}, {@code submissions}, {@code pop3},
     * {@code pop3s}, {@code http}, {@code admin}, {@code autoconfig}.
     */
    public Map<String, InetSocketAddress> addresses() {
        return Map.copyOf(addresses);
    }

    public Optional<InetSocketAddress> address(String name) {
        return Optional.ofNullable(addresses.get(name));
    }

    public Readiness readiness() {
        return readiness;
    }

    public CertificateSource tls() {
        return tls;
    }

    public Store store() {
        return store;
    }

    public BadmailQueue badmail() {
        return badmail;
    }

    public Path pidFile() {
        return pidFile == null ? config.pidFile() : pidFile.path();
    }

    /**
     * Graceful stop: not ready at once, listeners stop accepting, sessions in flight get
     * {@code shutdown.grace-period} to finish, then everything closes in reverse order.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        readiness.stopping();
        log.info("event=stopping grace_period={}", Durations.format(config.shutdownGrace()));
        List<Thread> stoppers = new ArrayList<>();
        for (MailService s : services) {
            stoppers.add(Thread.ofVirtual().name("stop-" + String.join("-", s.addresses().keySet())).start(() -> {
                try {
                    s.stop(config.shutdownGrace());
                } catch (RuntimeException e) {
                    log.warn("event=stop_failed listeners={} error=\"{}\"", s.addresses().keySet(), e.toString());
                }
            }));
        }
        for (Thread t : stoppers) {
            try {
                t.join(config.shutdownGrace().plusSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        services.clear();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("event=close_failed resource={} error=\"{}\"", resources.get(i).getClass().getSimpleName(),
                        e.toString());
            }
        }
        resources.clear();
        if (pidFile != null) {
            pidFile.close();
        }
        log.info("event=stopped");
    }

    /** The appliance could not start; the message says why and which keys to look at. */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
