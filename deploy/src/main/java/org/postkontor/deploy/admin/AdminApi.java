package org.postkontor.deploy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.Administration.Alias;
import org.postkontor.store.Administration.DomainInfo;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.badmail.BadmailStatus;
import org.postkontor.store.ConflictException;
import org.postkontor.store.InsufficientStorageException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.MailboxInUseException;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.NoSuchMailboxException;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.Receipt;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreStats;
import org.postkontor.store.password.Argon2idPasswordHasher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin operations as JSON requests and replies, without HTTP: {@link AdminHttpApi} serves it
 * inside the appliance, and the CLI calls it in-process when the appliance is stopped, so both
 * paths do exactly the same. Paths are those of the HTTP API ({@code /api/v1/...}, see
 * the Administration section of README.md). Thread-safe.
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

    /** What the appliance adds to {@code status}: its listeners. */
    @FunctionalInterface
    public interface Listeners {
        List<Listener> listeners();

        Listeners NONE = List::of;
    }

    public record Listener(String name, String address, int port, String tls) {}

    private final Store store;
    private final BadmailQueue badmail;
    private final Listeners listeners;
    private final String mode;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final BadmailRoutes badmailRoutes;

    /**
     * @param badmail the appliance's badmail queue (the CLI makes one over the store it opened)
     * @param mode {@code running} inside the appliance, {@code offline} when the CLI opened the store
     */
    public AdminApi(Store store, BadmailQueue badmail, Listeners listeners, String mode, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.badmail = Objects.requireNonNull(badmail, "badmail");
        this.listeners = Objects.requireNonNull(listeners, "listeners");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.badmailRoutes = new BadmailRoutes(badmail, json);
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
        String m = r.method().toUpperCase(Locale.ROOT);
        Administration admin = store.admin();
        switch (p[0]) {
            case "ping" -> {
                return ok(json.createObjectNode().put("ok", true));
            }
            case "status" -> {
                ApiInput.expect(m, "GET", p, 1);
                return ok(status());
            }
            case "domains" -> {
                if (p.length == 1 && m.equals("GET")) {
                    ArrayNode a = json.createArrayNode();
                    for (DomainInfo d : admin.domains()) {
                        a.addObject().put("name", d.name()).put("policy", d.policy().text()).put("users", d.users())
                                .put("aliases", d.aliases());
                    }
                    return ok(a);
                }
                if (p.length == 1 && m.equals("POST")) {
                    String name = ApiInput.domain(ApiInput.text(ApiInput.body(json, r), "name"));
                    admin.addDomain(name);
                    return created(json.createObjectNode().put("name", name));
                }
                if (p.length == 2 && m.equals("DELETE")) {
                    String name = ApiInput.domain(p[1]);
                    admin.removeDomain(name, ApiInput.flag(r, "force"));
                    return ok(json.createObjectNode().put("removed", name));
                }
                if (p.length == 3 && p[2].equals("policy") && m.equals("PUT")) {
                    String name = ApiInput.domain(p[1]);
                    RecipientPolicy policy = RecipientPolicy.parse(ApiInput.text(ApiInput.body(json, r), "policy"));
                    if (policy instanceof RecipientPolicy.CatchAll c) {
                        MailAddress target = new MailAddress(c.localPart(), name);
                        if (admin.user(target).isEmpty()) {
                            throw AdminError.notFound("catch-all user " + target + " does not exist");
                        }
                    }
                    admin.setPolicy(name, policy);
                    return ok(json.createObjectNode().put("name", name).put("policy", policy.text()));
                }
                throw ApiInput.noRoute(r);
            }
            case "users" -> {
                return users(r, m, p, admin);
            }
            case "aliases" -> {
                if (p.length == 1 && m.equals("GET")) {
                    ArrayNode a = json.createArrayNode();
                    for (Alias al : admin.aliases(Optional.ofNullable(r.query().get("domain")).map(ApiInput::domain))) {
                        ObjectNode o = a.addObject().put("address", al.address().toString());
                        ArrayNode t = o.putArray("targets");
                        al.targets().forEach(x -> t.add(x.toString()));
                    }
                    return ok(a);
                }
                if (p.length == 2 && (m.equals("PUT") || m.equals("POST"))) {
                    MailAddress alias = ApiInput.address(p[1]);
                    JsonNode b = ApiInput.body(json, r);
                    JsonNode t = b.get("targets");
                    if (t == null || !t.isArray() || t.isEmpty()) {
                        throw AdminError.badInput("an alias needs one or more target users");
                    }
                    List<MailAddress> targets = new ArrayList<>();
                    for (JsonNode x : t) {
                        MailAddress target = ApiInput.address(x.asText());
                        if (admin.user(target).isEmpty()) {
                            throw AdminError.notFound("target user " + target + " does not exist");
                        }
                        if (!targets.contains(target)) {
                            targets.add(target);
                        }
                    }
                    requireDomain(admin, alias.domain());
                    admin.addAlias(alias, targets);
                    return created(aliasJson(new Alias(alias, targets)));
                }
                if (p.length == 2 && m.equals("DELETE")) {
                    MailAddress alias = ApiInput.address(p[1]);
                    admin.removeAlias(alias);
                    return ok(json.createObjectNode().put("removed", alias.toString()));
                }
                throw ApiInput.noRoute(r);
            }
            case "mailboxes" -> {
                return mailboxes(r, m, p, admin);
            }
            case "badmail" -> {
                return badmailRoutes.handle(r, m, p);
            }
            default -> throw ApiInput.noRoute(r);
        }
    }

    private Reply users(Request r, String m, String[] p, Administration admin)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            Optional<String> domain = Optional.ofNullable(r.query().get("domain")).map(ApiInput::domain);
            if (domain.isPresent()) {
                requireDomain(admin, domain.get());
            }
            for (Account acc : admin.users(domain)) {
                a.add(accountJson(acc));
            }
            return ok(a);
        }
        if (p.length == 1 && m.equals("POST")) {
            JsonNode b = ApiInput.body(json, r);
            MailAddress user = ApiInput.address(ApiInput.text(b, "address"));
            char[] pw = ApiInput.password(b);
            PasswordPolicy.check(user, pw);
            requireDomain(admin, user.domain());
            admin.addUser(user, pw, ApiInput.quota(b));
            java.util.Arrays.fill(pw, '\0');
            return created(accountJson(admin.user(user).orElseThrow(() -> AdminError.notFound("user vanished"))));
        }
        if (p.length == 2 && p[1].equals("import") && m.equals("POST")) {
            JsonNode list = ApiInput.body(json, r).get("users");
            if (list == null || !list.isArray()) {
                throw AdminError.badInput("expected {\"users\": [...]}");
            }
            List<ImportedUser> users = new ArrayList<>();
            for (JsonNode u : list) {
                MailAddress a = ApiInput.address(ApiInput.text(u, "address"));
                String hash = ApiInput.text(u, "hash");
                int line = u.path("line").asInt(users.size() + 1);
                Optional<String> problem = Argon2idPasswordHasher.problem(hash);
                if (problem.isPresent()) {
                    throw AdminError.badInput("line " + line + ": user " + a + ": " + problem.get());
                }
                users.add(new ImportedUser(a, hash, line));
            }
            for (ImportedUser u : users) {
                requireDomain(admin, u.address().domain(), "line " + u.sourceLine() + ": ");
            }
            admin.importUsers(users);
            return created(json.createObjectNode().put("imported", users.size()));
        }
        if (p.length >= 2) {
            MailAddress user = ApiInput.address(p[1]);
            if (p.length == 2 && m.equals("GET")) {
                return ok(accountJson(admin.user(user).orElseThrow(() -> AdminError.notFound("no user " + user))));
            }
            if (p.length == 2 && m.equals("DELETE")) {
                String mail = r.query().get("mail");
                if (!"keep".equals(mail) && !"delete".equals(mail)) {
                    throw AdminError.badInput("say what happens to the mail: mail=keep or mail=delete");
                }
                admin.removeUser(user, mail.equals("delete"));
                return ok(json.createObjectNode().put("removed", user.toString()).put("mail", mail));
            }
            if (p.length == 3 && m.equals("PUT")) {
                JsonNode b = ApiInput.body(json, r);
                switch (p[2]) {
                    case "password" -> {
                        char[] pw = ApiInput.password(b);
                        PasswordPolicy.check(user, pw);
                        admin.setPassword(user, pw);
                        java.util.Arrays.fill(pw, '\0');
                    }
                    case "enabled" -> {
                        JsonNode e = b.get("enabled");
                        if (e == null || !e.isBoolean()) {
                            throw AdminError.badInput("expected {\"enabled\": true|false}");
                        }
                        admin.setEnabled(user, e.asBoolean());
                    }
                    case "quota" -> admin.setQuota(user, ApiInput.quota(b));
                    default -> throw ApiInput.noRoute(r);
                }
                return ok(accountJson(admin.user(user).orElseThrow(() -> AdminError.notFound("no user " + user))));
            }
        }
        throw ApiInput.noRoute(r);
    }

    private Reply mailboxes(Request r, String m, String[] p, Administration admin)
            throws AdminError, StoreException {
        if (p.length != 3) {
            throw ApiInput.noRoute(r);
        }
        MailAddress mailbox = ApiInput.address(p[1]);
        if (admin.user(mailbox).isEmpty()) {
            throw AdminError.notFound("no user " + mailbox);
        }
        if (p[2].equals("uidls") && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            try (Maildrop drop = store.maildrops().open(mailbox)) {
                for (MaildropEntry e : drop.listing()) {
                    a.add(e.uidl());
                }
            }
            return ok(a);
        }
        if (p[2].equals("messages") && m.equals("POST")) {
            String uidl = r.query().get("uidl");
            if (!MaildropEntry.isValidUidl(uidl)) {
                throw AdminError.badInput("uidl must be 1 to 70 characters 0x21-0x7E");
            }
            Receipt receipt;
            try {
                receipt = store.spool().deliver(mailbox, uidl, r.body());
            } catch (ConflictException e) {
                // the mailbox has this UIDL already: an import run again, or two at once
                return ok(json.createObjectNode().put("uidl", uidl).put("skipped", true));
            }
            if (!receipt.refused().isEmpty()) {
                var why = receipt.refused().values().iterator().next();
                throw switch (why) {
                    case OVER_QUOTA -> new AdminError(409, "over_quota", mailbox + " is over its quota");
                    case DISABLED -> new AdminError(409, "disabled", mailbox + " is disabled");
                    case NO_SUCH_MAILBOX -> AdminError.notFound("no user " + mailbox);
                    case INSUFFICIENT_STORAGE -> new AdminError(507, "insufficient_storage",
                            "free-disk reserve reached");
                    case OK -> AdminError.unavailable("refused without a reason");
                };
            }
            return created(json.createObjectNode().put("uidl", uidl).put("queueId", receipt.queueId())
                    .put("octets", receipt.octets()));
        }
        throw ApiInput.noRoute(r);
    }


    private ObjectNode status() throws StoreException {
        ObjectNode n = json.createObjectNode();
        n.put("version", version());
        n.put("mode", mode);
        ArrayNode ls = n.putArray("listeners");
        for (Listener l : listeners.listeners()) {
            ls.addObject().put("name", l.name()).put("address", l.address()).put("port", l.port()).put("tls", l.tls());
        }
        StoreStats s = store.admin().stats();
        ObjectNode st = n.putObject("store");
        st.put("messages", s.messages()).put("entries", s.entries()).put("octets", s.octets())
                .put("indexSizeBytes", s.indexSizeBytes());
        ObjectNode disk = n.putObject("freeDisk");
        disk.put("spool", s.spoolFreeBytes()).put("index", s.indexFreeBytes()).put("badmail", s.badmailFreeBytes());
        BadmailStatus b = badmail.status();
        ObjectNode bn = n.putObject("badmail");
        bn.put("items", b.items()).put("octets", b.octets()).put("maxOctets", b.maxTotalBytes());
        b.oldestAge().ifPresentOrElse(o -> bn.put("oldestAgeSeconds", o.toSeconds()),
                () -> bn.putNull("oldestAgeSeconds"));
        List<DomainInfo> domains = store.admin().domains();
        n.put("domains", domains.size());
        n.put("users", domains.stream().mapToInt(DomainInfo::users).sum());
        return n;
    }

    /** The appliance's version from the jar manifest, or {@code dev}. */
    public static String version() {
        String v = AdminApi.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private ObjectNode accountJson(Account a) {
        return json.createObjectNode().put("address", a.address().toString()).put("enabled", a.enabled())
                .put("messages", a.messages()).put("octets", a.octets()).put("quotaBytes", a.quotaBytes())
                .put("quotaMessages", a.quotaMessages()).put("scheme", a.passwordScheme());
    }

    private ObjectNode aliasJson(Alias al) {
        ObjectNode o = json.createObjectNode().put("address", al.address().toString());
        ArrayNode t = o.putArray("targets");
        al.targets().forEach(x -> t.add(x.toString()));
        return o;
    }


    private void requireDomain(Administration admin, String domain) throws AdminError, StoreException {
        requireDomain(admin, domain, "");
    }

    private void requireDomain(Administration admin, String domain, String prefix) throws AdminError, StoreException {
        if (admin.domains().stream().noneMatch(d -> d.name().equals(domain))) {
            throw AdminError.notFound(prefix + "unknown domain " + domain + " (add it first: admin domain add "
                    + domain + ")");
        }
    }


    static JsonReply ok(JsonNode n) {
        return new JsonReply(200, n);
    }

    static JsonReply created(JsonNode n) {
        return new JsonReply(201, n);
    }
}
