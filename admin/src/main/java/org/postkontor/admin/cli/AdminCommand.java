package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminError;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.admin.api.ApiInput;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.Stores;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code postkontor admin ...}: domains, users, aliases, badmail, status, imports.
 *
 * <p>Works against the running appliance and when it is stopped. The embedded index allows one
 * process, so when the appliance runs (its PID file {@code <data>/postkontor.pid} names a live
 * process) the CLI talks to the admin HTTP API with the token from
 * {@code <data>/admin.token}; otherwise it opens the store itself. Tables for people,
 * {@code --json} for scripts, exit codes in {@link ExitCodes}. Where the appliance is comes from an
 * {@link ApplianceLocator}; {@code deploy} registers an instance under its {@code postkontor}
 * command.
 */
@Command(name = "admin", description = "Manage domains (and their DKIM keys), users, aliases, badmail, the outbound queue and web admins; import users and mail.",
        mixinStandardHelpOptions = true, versionProvider = AdminCommand.Version.class,
        exitCodeOnInvalidInput = ExitCodes.BAD_INPUT, exitCodeOnExecutionException = ExitCodes.UNAVAILABLE,
        subcommands = {DomainCommands.class, UserCommands.class, AliasCommands.class, BadmailCommands.class,
                QueueCommands.class, StatusCommand.class, ImportCommands.class, BackupCommand.class,
                WebUserCommands.class, MigrateStoreCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 bad input or usage, 2 not found or conflict, 3 appliance or store unavailable."})
public final class AdminCommand implements Callable<Integer> {

    /** {@code --version}: the jar's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"postkontor admin " + AdminApi.version()};
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "The appliance's config file (default: $POSTKONTOR_CONFIG, else ./postkontor.properties "
                    + "if it exists); gives the data directory, store directories and admin API address.")
    Path config;

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "The appliance's data directory (default: data.dir of the config, else ./data).")
    Path dataDir;

    @Option(names = "--api", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The running appliance's admin API (default: from admin.bind/admin.port of the config, "
                    + "else http://127.0.0.1:8081).")
    URI api;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON for scripts instead of tables.")
    boolean json;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for the admin API per request (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    private final ApplianceLocator locator;
    private final InputStream stdin;
    private final Runnable quietLogs;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param locator   where the appliance is, from its configuration
     * @param stdin     where {@code --password-stdin} reads from
     * @param quietLogs run before connecting: sets logging to warnings on standard error, so that
     *                  standard output holds only tables or JSON (a no-op in tests)
     */
    public AdminCommand(ApplianceLocator locator, InputStream stdin, Runnable quietLogs) {
        this.locator = Objects.requireNonNull(locator, "locator");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
        this.quietLogs = Objects.requireNonNull(quietLogs, "quietLogs");
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    /** The admin command above a subcommand. */
    static AdminCommand of(CommandSpec spec) {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            if (s.userObject() instanceof AdminCommand a) {
                return a;
            }
        }
        throw new IllegalStateException("not under the admin command");
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    InputStream stdin() {
        return stdin;
    }

    boolean json() {
        return json;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** One CLI operation on a connected client. */
    @FunctionalInterface
    interface Operation {
        int run(AdminClient client) throws AdminError, IOException;
    }

    /** Connects, runs, maps errors to messages and exit codes. */
    int run(Operation op) {
        try (AdminClient client = connect()) {
            return op.run(client);
        } catch (AdminError e) {
            return fail(e);
        } catch (IllegalArgumentException e) {
            return fail(AdminError.badInput(e.getMessage()));
        } catch (IOException e) {
            return fail(AdminError.badInput(e.getMessage()));
        }
    }

    /** A domain for a URL path, checked here so that a malformed one is bad input, not "no such path". */
    static String domainPath(String domain) {
        return ApiInput.domain(domain);
    }

    /** An address for a URL path, checked here. */
    static String addressPath(String address) throws AdminError {
        return ApiInput.address(address).toString();
    }

    int fail(AdminError e) {
        if (json) {
            ObjectNode n = mapper.createObjectNode().put("error", e.code()).put("message", e.getMessage());
            out().println(n.toPrettyString());
            out().flush();
        }
        err().println("postkontor admin: " + e.getMessage());
        err().flush();
        return ExitCodes.of(e.status());
    }

    /** Calls and returns the JSON body of a successful reply; an error reply becomes an {@link AdminError}. */
    JsonNode call(AdminClient c, String method, String path, Map<String, String> query, JsonNode body)
            throws AdminError {
        byte[] raw = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
        return expect(c.call(method, path, query, new ByteArrayInputStream(raw)));
    }

    static JsonNode expect(AdminApi.Reply reply) throws AdminError {
        if (!(reply instanceof AdminApi.JsonReply j)) {
            throw new AdminError(502, "unexpected", "the admin API answered with something that is not JSON");
        }
        if (j.status() >= 300) {
            throw new AdminError(j.status(), j.body().path("error").asText("error"),
                    j.body().path("message").asText("HTTP " + j.status()));
        }
        return j.body();
    }

    /** Prints {@code n} as JSON when asked for, else runs {@code table}. */
    void print(JsonNode n, Runnable table) {
        if (json) {
            out().println(n.toPrettyString());
        } else {
            table.run();
        }
        out().flush();
    }

    /** The admin API's address: {@code --api}, else the configured listener (a wildcard bind as loopback). */
    private URI apiUri(InetSocketAddress a, boolean tls) {
        if (api != null) {
            return api;
        }
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return URI.create((tls ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + a.getPort());
    }

    private AdminClient connect() throws AdminError {
        quietLogs.run();
        ApplianceLocator.Location t = locator.locate(Optional.ofNullable(config), Optional.ofNullable(dataDir));
        Path dir = t.dataDir();
        Optional<Long> pid = pid(t.pidFile());
        boolean alive = pid.flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
        if (alive) {
            AdminToken token;
            try {
                token = AdminToken.read(dir);
            } catch (NoSuchFileException e) {
                throw AdminError.unavailable("the appliance runs (pid " + pid.orElse(-1L) + ") but "
                        + dir.resolve(AdminToken.FILE_NAME) + " is missing; restart it to write a new token");
            } catch (AccessDeniedException e) {
                throw AdminError.unavailable("cannot read " + dir.resolve(AdminToken.FILE_NAME)
                        + ": run this as the appliance's user (or root)");
            } catch (IOException | IllegalArgumentException e) {
                throw AdminError.unavailable("cannot read " + dir.resolve(AdminToken.FILE_NAME) + ": " + e.getMessage());
            }
            return new HttpAdminClient(apiUri(t.adminAddress(), t.adminCertificate().isPresent()), token,
                    Duration.ofSeconds(timeoutSeconds), t.adminCertificate());
        }
        if (!Files.isDirectory(dir)) {
            throw AdminError.unavailable("no data directory " + dir + " (give --data-dir, or create it for a new "
                    + "installation)");
        }
        Clock clock = Clock.systemUTC();
        try {
            Store store = Stores.open(t.store(), t.database(), new Argon2idPasswordHasher(Argon2Params.DEFAULT), clock,
                    StoreMetrics.NOOP);
            BadmailQueue badmail = BadmailQueue.over(store, t.badmail(), clock, BadmailMetrics.NOOP);
            return new LocalAdminClient(store, new AdminApi(store, badmail, AdminApi.ApplianceState.NONE, "offline",
                    t.clients()));
        } catch (StoreException e) {
            throw AdminError.unavailable("cannot open the store under " + dir + " (is the appliance running "
                    + "without its PID file " + t.pidFile() + "?): " + e.getMessage());
        }
    }

    /**
     * Where the appliance's data is, for a command that opens its stores itself: refused while the
     * appliance runs.
     */
    ApplianceLocator.Location stoppedAppliance() throws AdminError {
        quietLogs.run();
        ApplianceLocator.Location t = locator.locate(Optional.ofNullable(config), Optional.ofNullable(dataDir));
        Optional<Long> pid = pid(t.pidFile());
        if (pid.flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false)) {
            throw AdminError.unavailable("the appliance runs (pid " + pid.get() + "): stop it first");
        }
        if (!Files.isDirectory(t.dataDir())) {
            throw AdminError.unavailable("no data directory " + t.dataDir() + " (give --data-dir)");
        }
        return t;
    }

    private static Optional<Long> pid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
