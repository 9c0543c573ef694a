package org.postkontor.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.store.ConflictException;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin operations as JSON requests and replies, without HTTP: {@link AdminHttpApi} serves it
 * inside the appliance, and the CLI calls it in-process when the appliance is stopped, so both
 * paths do exactly the same. Paths are those of the HTTP API ({@code /api/v1/...}, see
 * the Administration section of README.md). This class reads the path, hands the request to the
 * {@link Routes} of its resource ({@link DomainRoutes}, {@link UserRoutes}, {@link AliasRoutes},
 * {@link MailboxRoutes}, {@link BadmailRoutes}, {@link QueueRoutes}, {@link StatusRoutes}, {@link BackupRoutes},
 * {@link WebUserRoutes}) and maps what they throw to
 * error replies, in one place. Thread-safe.
 */
public final class AdminApi {

    public static final String PREFIX = "/api/v1/";

    /** Largest JSON request body read. */
    public static final int MAX_JSON = 16 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

    /** One request. {@code body} may be empty; it is read by the operation and not closed. */
    public record Request(String method, String path, Map<String, String> query, InputStream body) {
        public Request {
            query = Map.copyOf(query);
        }
    }

    /** A reply: JSON, or a raw message (badmail export). */
    public sealed interface Reply {
        int status();
    }

    public record JsonReply(int status, JsonNode body) implements Reply {}

    /** The caller closes {@code stream}. */
    public record RawReply(int status, String contentType, InputStream stream) implements Reply {}

    /** What the appliance adds to {@code status}: its listeners and its backup schedule. */
    @FunctionalInterface
    public interface ApplianceState {
        List<Listener> listeners();

        /** Empty when no backups are scheduled (no {@code backup.dir}). */
        default Optional<BackupState> backups() {
            return Optional.empty();
        }

        ApplianceState NONE = List::of;
    }

    public record Listener(String name, String address, int port, String tls) {}

    /** The backup schedule: where it writes, when its newest complete backup finished, its last failure. */
    public record BackupState(String dir, Optional<Instant> lastComplete, Optional<Instant> lastFailure) {

        /** The {@code backup} of a status answer in words, as the CLI and the dashboard show it. */
        public static String describe(JsonNode backup) {
            if (backup.isMissingNode() || backup.isNull()) {
                return "none scheduled (key backup.dir)";
            }
            String last = backup.path("lastComplete").isNull() ? "none yet" : backup.path("lastComplete").asText();
            return backup.path("lastFailure").isNull() ? last
                    : last + "; last failure " + backup.path("lastFailure").asText();
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    /** By the first path segment after {@link #PREFIX}. */
    private final Map<String, Routes> routes;

    /**
     * @param badmail the appliance's badmail queue (the CLI makes one over the store it opened)
     * @param mode {@code running} inside the appliance, {@code offline} when the CLI opened the store
     * @param clients what mail clients are told to use (the DNS records of a domain)
     */
    public AdminApi(Store store, BadmailQueue badmail, ApplianceState listeners, String mode, ClientSetup clients) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(badmail, "badmail");
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(mode, "mode");
        this.routes = Map.of(
                "ping", (r, m, p) -> Routes.ok(json.createObjectNode().put("ok", true)),
                "status", new StatusRoutes(store, badmail, listeners, mode, json),
                "domains", new DomainRoutes(store.admin(), store.dkimKeys(), clients, Clock.systemUTC(), json),
                "queue", new QueueRoutes(store.outbound(), json),
                "users", new UserRoutes(store.admin(), json),
                "aliases", new AliasRoutes(store.admin(), json),
                "mailboxes", new MailboxRoutes(store, json),
                "badmail", new BadmailRoutes(badmail, json),
                "backups", new BackupRoutes(store, json),
                "web-users", new WebUserRoutes(store.webUsers(), json));
    }

    public ObjectMapper json() {
        return json;
    }

    /** Never throws for bad input or store trouble: those become error replies. */
    public Reply handle(Request r) {
        try {
            return dispatch(r);
        } catch (AdminError e) {
            return error(e);
        } catch (IllegalArgumentException e) {
            return error(AdminError.badInput(e.getMessage()));
        } catch (NotFoundException | NoSuchMailboxException e) {
            return error(AdminError.notFound(e.getMessage()));
        } catch (MailboxInUseException e) {
            return error(new AdminError(409, "in_use", "mailbox in use by a POP3 session; try again when it ends"));
        } catch (ConflictException e) {
            return error(AdminError.conflict(e.getMessage()));
        } catch (InsufficientStorageException e) {
            return error(new AdminError(507, "insufficient_storage", "free-disk reserve reached: " + e.getMessage()));
        } catch (StoreException e) {
            log.warn("admin {} {} failed in the store", r.method(), r.path(), e);
            return error(AdminError.unavailable("the store cannot do this now (see the appliance log)"));
        } catch (IOException e) {
            return error(AdminError.badInput("cannot read the request: " + e.getMessage()));
        }
    }

    public JsonReply error(AdminError e) {
        ObjectNode n = json.createObjectNode();
        n.put("error", e.code());
        n.put("message", e.getMessage());
        return new JsonReply(e.status(), n);
    }

    private Reply dispatch(Request r) throws AdminError, StoreException, IOException {
        if (!r.path().startsWith(PREFIX)) {
            throw AdminError.notFound("no such API path");
        }
        String[] p = r.path().substring(PREFIX.length()).split("/", -1);
        Routes resource = routes.get(p[0]);
        if (resource == null) {
            throw ApiInput.noRoute(r);
        }
        return resource.handle(r, r.method().toUpperCase(Locale.ROOT), p);
    }

    /** The appliance's version from the jar manifest, or {@code dev}. */
    public static String version() {
        String v = AdminApi.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
