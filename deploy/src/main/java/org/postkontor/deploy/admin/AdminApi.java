package org.postkontor.deploy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
import org.postkontor.store.Administration.Quota;
import org.postkontor.badmail.BadmailDetail;
import org.postkontor.badmail.BadmailFilter;
import org.postkontor.badmail.BadmailPage;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.badmail.BadmailStatus;
import org.postkontor.badmail.Redelivery;
import org.postkontor.badmail.UnresolvedRecipientException;
import org.postkontor.store.BadmailStore.BadmailItem;
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
 * {@code deploy/ADMIN.md}). Thread-safe.
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
                expect(m, "GET", p, 1);
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
                    String name = domain(text(body(r), "name"));
                    admin.addDomain(name);
                    return created(json.createObjectNode().put("name", name));
                }
                if (p.length == 2 && m.equals("DELETE")) {
                    String name = domain(p[1]);
                    admin.removeDomain(name, flag(r, "force"));
                    return ok(json.createObjectNode().put("removed", name));
                }
                if (p.length == 3 && p[2].equals("policy") && m.equals("PUT")) {
                    String name = domain(p[1]);
                    RecipientPolicy policy = RecipientPolicy.parse(text(body(r), "policy"));
                    if (policy instanceof RecipientPolicy.CatchAll c) {
                        MailAddress target = new MailAddress(c.localPart(), name);
                        if (admin.user(target).isEmpty()) {
                            throw AdminError.notFound("catch-all user " + target + " does not exist");
                        }
                    }
                    admin.setPolicy(name, policy);
                    return ok(json.createObjectNode().put("name", name).put("policy", policy.text()));
                }
                throw noRoute(r);
            }
            case "users" -> {
                return users(r, m, p, admin);
            }
            case "aliases" -> {
                if (p.length == 1 && m.equals("GET")) {
                    ArrayNode a = json.createArrayNode();
                    for (Alias al : admin.aliases(Optional.ofNullable(r.query().get("domain")).map(AdminApi::domain))) {
                        ObjectNode o = a.addObject().put("address", al.address().toString());
                        ArrayNode t = o.putArray("targets");
                        al.targets().forEach(x -> t.add(x.toString()));
                    }
                    return ok(a);
                }
                if (p.length == 2 && (m.equals("PUT") || m.equals("POST"))) {
                    MailAddress alias = address(p[1]);
                    JsonNode b = body(r);
                    JsonNode t = b.get("targets");
                    if (t == null || !t.isArray() || t.isEmpty()) {
                        throw AdminError.badInput("an alias needs one or more target users");
                    }
                    List<MailAddress> targets = new ArrayList<>();
                    for (JsonNode x : t) {
                        MailAddress target = address(x.asText());
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
                    MailAddress alias = address(p[1]);
                    admin.removeAlias(alias);
                    return ok(json.createObjectNode().put("removed", alias.toString()));
                }
                throw noRoute(r);
            }
            case "mailboxes" -> {
                return mailboxes(r, m, p, admin);
            }
            case "badmail" -> {
                return badmail(r, m, p);
            }
            default -> throw noRoute(r);
        }
    }

    private Reply users(Request r, String m, String[] p, Administration admin)
            throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            ArrayNode a = json.createArrayNode();
            Optional<String> domain = Optional.ofNullable(r.query().get("domain")).map(AdminApi::domain);
            if (domain.isPresent()) {
                requireDomain(admin, domain.get());
            }
            for (Account acc : admin.users(domain)) {
                a.add(accountJson(acc));
            }
            return ok(a);
        }
        if (p.length == 1 && m.equals("POST")) {
            JsonNode b = body(r);
            MailAddress user = address(text(b, "address"));
            char[] pw = password(b);
            PasswordPolicy.check(user, pw);
            requireDomain(admin, user.domain());
            admin.addUser(user, pw, quota(b));
            java.util.Arrays.fill(pw, '\0');
            return created(accountJson(admin.user(user).orElseThrow(() -> AdminError.notFound("user vanished"))));
        }
        if (p.length == 2 && p[1].equals("import") && m.equals("POST")) {
            JsonNode list = body(r).get("users");
            if (list == null || !list.isArray()) {
                throw AdminError.badInput("expected {\"users\": [...]}");
            }
            List<ImportedUser> users = new ArrayList<>();
            for (JsonNode u : list) {
                MailAddress a = address(text(u, "address"));
                String hash = text(u, "hash");
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
            MailAddress user = address(p[1]);
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
                JsonNode b = body(r);
                switch (p[2]) {
                    case "password" -> {
                        char[] pw = password(b);
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
                    case "quota" -> admin.setQuota(user, quota(b));
                    default -> throw noRoute(r);
                }
                return ok(accountJson(admin.user(user).orElseThrow(() -> AdminError.notFound("no user " + user))));
            }
        }
        throw noRoute(r);
    }

    private Reply mailboxes(Request r, String m, String[] p, Administration admin)
            throws AdminError, StoreException {
        if (p.length != 3) {
            throw noRoute(r);
        }
        MailAddress mailbox = address(p[1]);
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
        throw noRoute(r);
    }

    private Reply badmail(Request r, String m, String[] p) throws AdminError, StoreException, IOException {
        if (p.length == 1 && m.equals("GET")) {
            BadmailFilter filter = new BadmailFilter(r.query().get("kind"), r.query().get("recipient"),
                    r.query().get("domain"), age(r.query().get("older-than")));
            int offset = intParam(r, "offset");
            int limit = intParam(r, "limit");
            ArrayNode a = json.createArrayNode();
            int max = badmail.config().maxPageSize();
            while (true) {
                int want = limit == 0 ? max : Math.min(max, limit - a.size());
                BadmailPage page = badmail.list(filter, offset, want);
                page.items().forEach(i -> a.add(itemJson(i)));
                offset += page.items().size();
                if (!page.more() || page.items().isEmpty() || limit > 0 && a.size() >= limit) {
                    break;
                }
            }
            return ok(a);
        }
        if (p.length == 2 && p[1].equals("purge") && m.equals("POST")) {
            JsonNode b = body(r);
            String olderThan = b.path("olderThan").asText(null);
            String reason = b.path("reason").asText(null);
            if (olderThan == null && reason == null) {
                throw AdminError.badInput("purge needs --older-than, --reason, or both");
            }
            int purged = badmail.purge(new BadmailFilter(reason, null, null, age(olderThan)));
            return ok(json.createObjectNode().put("purged", purged));
        }
        if (p.length >= 2) {
            String id = p[1];
            if (p.length == 2 && m.equals("GET")) {
                BadmailDetail d = badmail.show(id);
                ObjectNode o = itemJson(d.item());
                ArrayNode h = o.putArray("headers");
                d.headers().forEach(x -> h.addObject().put("name", x.name()).put("value", x.value()));
                o.put("headersTruncated", d.truncated());
                return ok(o);
            }
            if (p.length == 2 && m.equals("DELETE")) {
                if (!badmail.delete(id)) {
                    throw AdminError.notFound("no badmail item " + id);
                }
                return ok(json.createObjectNode().put("removed", id));
            }
            if (p.length == 3 && p[2].equals("raw") && m.equals("GET")) {
                return new RawReply(200, "message/rfc822", badmail.openOriginal(id));
            }
            if (p.length == 3 && p[2].equals("redeliver") && m.equals("POST")) {
                String to = body(r).path("to").asText(null);
                Redelivery rd;
                try {
                    rd = to == null ? badmail.redeliver(id) : badmail.redeliver(id, address(to));
                } catch (UnresolvedRecipientException e) {
                    throw AdminError.notFound("no local mailbox for " + String.join(", ", e.recipients())
                            + "; the item stays in badmail (redeliver it --to a corrected address)");
                }
                ObjectNode n = json.createObjectNode().put("redelivered", id);
                rd.queueId().ifPresent(q -> n.put("queueId", q));
                ArrayNode d = n.putArray("to");
                rd.delivered().forEach(x -> d.add(x.toString()));
                ObjectNode refused = n.putObject("refused");
                rd.refused().forEach((k, v) -> refused.put(k.toString(), v.name()));
                rd.remainder().ifPresent(x -> n.put("remainder", x));
                if (!rd.removed()) {
                    throw AdminError.conflict("not delivered: " + rd.refused() + "; the item stays in badmail");
                }
                return ok(n);
            }
        }
        throw noRoute(r);
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

    private ObjectNode itemJson(BadmailItem i) {
        ObjectNode o = json.createObjectNode().put("id", i.id()).put("octets", i.octets());
        ObjectNode e = o.putObject("envelope");
        e.put("sender", i.envelope().sender());
        ArrayNode rc = e.putArray("recipients");
        i.envelope().recipients().forEach(rc::add);
        e.put("clientAddress", i.envelope().clientAddress()).put("helo", i.envelope().helo())
                .put("received", String.valueOf(i.envelope().received()));
        ObjectNode rs = o.putObject("reason");
        rs.put("kind", i.reason().kind()).put("code", i.reason().code())
                .put("enhancedStatus", i.reason().enhancedStatus()).put("text", i.reason().text())
                .put("at", String.valueOf(i.reason().at()));
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

    private static Duration age(String olderThan) throws AdminError {
        return olderThan == null || olderThan.isEmpty() ? null : duration(olderThan);
    }

    /** {@code 30d}, {@code 12h}, {@code 45m}, {@code 90s}, or ISO-8601 ({@code P30D}, {@code PT12H}). */
    static Duration duration(String s) throws AdminError {
        try {
            if (s.startsWith("P") || s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            Duration d = switch (s.charAt(s.length() - 1)) {
                case 'd' -> Duration.ofDays(n);
                case 'h' -> Duration.ofHours(n);
                case 'm' -> Duration.ofMinutes(n);
                case 's' -> Duration.ofSeconds(n);
                default -> throw new NumberFormatException();
            };
            if (d.isNegative()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw AdminError.badInput("duration must be like 30d, 12h, 45m, 90s or P30D");
        }
    }

    private static int intParam(Request r, String name) throws AdminError {
        String v = r.query().get(name);
        if (v == null) {
            return 0;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw AdminError.badInput(name + " must be a number >= 0");
        }
    }

    private static boolean flag(Request r, String name) {
        String v = r.query().get(name);
        return v != null && (v.isEmpty() || v.equals("true") || v.equals("1") || v.equals("yes"));
    }

    private Quota quota(JsonNode b) throws AdminError {
        long bytes = b.path("quotaBytes").asLong(0);
        long messages = b.path("quotaMessages").asLong(0);
        if (bytes < 0 || messages < 0) {
            throw AdminError.badInput("quota must be 0 (no limit) or positive");
        }
        return new Quota(bytes, messages);
    }

    private static char[] password(JsonNode b) throws AdminError {
        JsonNode pw = b.get("password");
        if (pw == null || !pw.isTextual() || pw.asText().isEmpty()) {
            throw AdminError.badInput("empty password");
        }
        return pw.asText().toCharArray();
    }

    static MailAddress address(String s) throws AdminError {
        try {
            return MailAddress.parse(s == null ? null : s.strip());
        } catch (IllegalArgumentException e) {
            throw AdminError.badInput("malformed address '" + printable(s) + "': " + e.getMessage());
        }
    }

    static String domain(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("no domain given");
        }
        try {
            return new MailAddress("postmaster", s.strip()).domain();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed domain '" + printable(s) + "': " + e.getMessage());
        }
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }

    private static String text(JsonNode b, String field) throws AdminError {
        JsonNode n = b.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw AdminError.badInput("missing \"" + field + "\"");
        }
        return n.asText();
    }

    private JsonNode body(Request r) throws AdminError, IOException {
        byte[] raw = r.body().readNBytes(MAX_JSON + 1);
        if (raw.length > MAX_JSON) {
            throw new AdminError(413, "too_large", "request body over " + MAX_JSON + " bytes");
        }
        if (raw.length == 0) {
            return json.createObjectNode();
        }
        try {
            JsonNode n = json.readTree(raw);
            if (n == null || !n.isObject()) {
                throw AdminError.badInput("request body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw AdminError.badInput("request body is not JSON");
        }
    }

    private static void expect(String m, String method, String[] p, int length) throws AdminError {
        if (!m.equals(method) || p.length != length) {
            throw new AdminError(405, "bad_method", "use " + method);
        }
    }

    private static AdminError noRoute(Request r) {
        return AdminError.notFound("no such API operation: " + r.method() + " " + r.path());
    }

    private static JsonReply ok(JsonNode n) {
        return new JsonReply(200, n);
    }

    private static JsonReply created(JsonNode n) {
        return new JsonReply(201, n);
    }
}
