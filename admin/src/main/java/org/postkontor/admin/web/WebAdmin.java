package org.postkontor.admin.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.admin.api.HttpReplies;
import org.postkontor.store.Accounts;
import org.postkontor.store.StoreException;
import org.postkontor.store.WebUsers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web admin page, served by the admin listener at {@code /} beside the JSON API at
 * {@code /api/v1/}: server-rendered HTML, no scripts. Admins ({@link WebUsers}) sign in at
 * {@code /login}; with {@code web.user-pages}, mail users sign in at {@code /me/login}.
 *
 * <p>This class is the door: it reads the request, finds the session (cookie {@code HttpOnly},
 * {@code SameSite=Strict}, {@code Secure} and {@code __Host-} under TLS), refuses every form whose
 * CSRF token is not the session's (and any cross-origin form), handles sign-in and sign-out, hands
 * the request to the pages ({@link AccountPages}, {@link BadmailPages}, {@link QueuePages}, {@link SelfServicePages}),
 * and writes the answer with the security headers every answer gets. What a page does, it does
 * through the admin API ({@link ApiCalls}). Thread-safe; run it on an executor that may block.
 */
public final class WebAdmin implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger("postkontor.web");

    /** Problems of the appliance now (its readiness checks): the dashboard's alerts. */
    @FunctionalInterface
    public interface Alerts {
        List<String> firing();

        Alerts NONE = List::of;
    }

    private static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    private final WebConfig config;
    private final boolean tls;
    private final String cookie;
    private final WebUsers admins;
    private final Accounts mailUsers;
    private final Alerts alerts;
    private final Sessions sessions;
    private final WebLogin login;
    private final Views views = new Views();
    private final ApiCalls api;
    private final AccountPages accounts;
    private final BadmailPages badmail;
    private final QueuePages queue;
    private final SelfServicePages self;
    private final byte[] css;

    /**
     * @param api   the admin API the pages call (the same instance the JSON API serves)
     * @param tls   the listener speaks TLS: cookies are {@code Secure}, HSTS is sent
     */
    public WebAdmin(AdminApi api, WebUsers admins, Accounts mailUsers, ClientSetup clients, WebConfig config,
                    boolean tls, Alerts alerts, Clock clock) {
        this(api, admins, mailUsers, clients, config, tls, alerts, clock, WebLogin.Sleeper.REAL);
    }

    WebAdmin(AdminApi api, WebUsers admins, Accounts mailUsers, ClientSetup clients, WebConfig config, boolean tls,
             Alerts alerts, Clock clock, WebLogin.Sleeper sleeper) {
        this.config = Objects.requireNonNull(config, "config");
        this.tls = tls;
        this.cookie = tls ? "__Host-postkontor" : "postkontor";
        this.admins = Objects.requireNonNull(admins, "admins");
        this.mailUsers = Objects.requireNonNull(mailUsers, "mailUsers");
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        this.sessions = new Sessions(clock, config.sessionIdleTimeout());
        this.login = new WebLogin(admins, mailUsers, config, clock, sleeper);
        this.api = new ApiCalls(Objects.requireNonNull(api, "api"));
        this.accounts = new AccountPages(this.api, views);
        this.badmail = new BadmailPages(this.api, views);
        this.queue = new QueuePages(this.api, views);
        this.self = new SelfServicePages(this.api, views, login, clients);
        try (InputStream in = WebAdmin.class.getResourceAsStream("style.css")) {
            this.css = Objects.requireNonNull(in, "style.css").readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("style.css missing from the jar", e);
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Answer answer;
            try {
                WebRequest r = WebRequest.read(ex, cookie);
                answer = route(r, ex);
            } catch (WebRequest.Malformed e) {
                answer = views.render(e.status, "error", bare(e.getMessage()));
            } catch (StoreException e) {
                log.warn("event=web_failed path={} error=\"{}\"", ex.getRequestURI().getPath(), e.toString());
                answer = views.render(503, "error", bare("The store cannot answer now; see the appliance's log."));
            }
            send(ex, answer);
        }
    }

    private Answer route(WebRequest r, HttpExchange ex) throws StoreException {
        String path = r.path();
        if (path.equals("/static/style.css")) {
            return new Answer.Download("text/css", null, css);
        }
        boolean selfService = path.equals("/me") || path.startsWith("/me/");
        if (selfService && !config.userPages()) {
            return views.render(404, "error", bare("Not found"));
        }
        if (!r.method().equals("GET") && !r.method().equals("POST") && !r.method().equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD, POST");
            return views.render(405, "error", bare("Method not allowed"));
        }
        Sessions.Kind kind = selfService ? Sessions.Kind.MAIL_USER : Sessions.Kind.ADMIN;
        String loginPath = selfService ? "/me/login" : "/login";
        Optional<Sessions.Session> found = sessions.find(r.sessionId());
        if (r.method().equals("POST") && !sameOrigin(r)) {
            return refused(found, "This form came from another site.");
        }
        if (path.equals(loginPath)) {
            return loginPage(r, found, kind);
        }
        Optional<Sessions.Session> session = found.filter(s -> s.kind == kind);
        if (session.isPresent() && !stillValid(session.get())) {
            sessions.end(session.get());
            session = Optional.empty();
        }
        if (session.isEmpty()) {
            return r.method().equals("POST") ? refused(found, "Your session has ended; sign in again.")
                    : new Answer.Redirect(loginPath);
        }
        Sessions.Session s = session.get();
        if (r.method().equals("POST") && !s.csrfMatches(r.form().get("_csrf"))) {
            return refused(found, "This form has no valid CSRF token; reload the page and try again.");
        }
        if (r.method().equals("POST") && path.equals(selfService ? "/me/logout" : "/logout")) {
            sessions.end(s);
            return new Answer.Redirect(loginPath);
        }
        try {
            Optional<Answer> a = selfService ? self.handle(r, s)
                    : path.equals("/") ? Optional.of(dashboard(s))
                    : accounts.handle(r, s);
            if (a.isEmpty() && !selfService) {
                a = badmail.handle(r, s);
            }
            if (a.isEmpty() && !selfService) {
                a = queue.handle(r, s);
            }
            return a.orElseGet(() -> views.render(404, "error", Views.page("Not found", "", s)));
        } catch (ApiCalls.Failed e) {
            return views.render(e.status, "error", Views.page(e.getMessage(), "", s));
        }
    }

    private Answer dashboard(Sessions.Session s) throws ApiCalls.Failed {
        JsonNode status = api.get("status", Map.of());
        return views.render("dashboard", Views.page("Dashboard", "dashboard", s), "status", status,
                "alerts", alerts.firing(), "lastBackup", AdminApi.BackupState.describe(status.path("backup")));
    }

    /** GET: the form (in an anonymous session, for its CSRF token); POST: checks the password, then a new session. */
    private Answer loginPage(WebRequest r, Optional<Sessions.Session> found, Sessions.Kind kind) throws StoreException {
        boolean admin = kind == Sessions.Kind.ADMIN;
        String title = admin ? "Sign in to Postkontor" : "Your mailbox";
        String loginPath = admin ? "/login" : "/me/login";
        if (r.method().equals("GET") || r.method().equals("HEAD")) {
            if (found.isPresent() && found.get().kind == kind) {
                return new Answer.Redirect(admin ? "/" : "/me");
            }
            Sessions.Session anon = found.filter(s -> s.kind == Sessions.Kind.ANONYMOUS)
                    .orElseGet(() -> sessions.create(Sessions.Kind.ANONYMOUS, null));
            return new Answer.WithCookie(anon, views.render("login", Views.page(title, "", anon), "action", loginPath,
                    "nameLabel", admin ? "Name" : "Email address", "nameField", "name"));
        }
        Optional<Sessions.Session> anon = found.filter(s -> s.kind == Sessions.Kind.ANONYMOUS);
        if (anon.isEmpty() || !anon.get().csrfMatches(r.form().get("_csrf"))) {
            return refused(found, "This form has no valid CSRF token; reload the page and try again.");
        }
        String name = r.param("name");
        char[] password = r.raw("password").toCharArray();
        WebLogin.Outcome o = admin ? login.admin(r.clientIp(), name, password)
                : login.mailUser(r.clientIp(), name, password);
        if (o.result() != WebLogin.Result.OK) {
            anon.get().flash = new Sessions.Flash(true, o.result() == WebLogin.Result.THROTTLED
                    ? "Too many failed sign-ins; wait a while and try again." : "Wrong name or password.");
            return new Answer.Redirect(loginPath);
        }
        sessions.end(anon.get());
        Sessions.Session s = sessions.create(kind, o.who());
        return new Answer.WithCookie(s, new Answer.Redirect(admin ? "/" : "/me"));
    }

    /** A web admin still exists; a mail user still exists and is enabled. */
    private boolean stillValid(Sessions.Session s) throws StoreException {
        return s.kind == Sessions.Kind.ADMIN
                ? admins.list().stream().anyMatch(u -> u.name().equals(s.name))
                : mailUsers.mailboxOf(s.name).isPresent();
    }

    /** A form with an {@code Origin} of another site is refused (SameSite's second line). */
    private static boolean sameOrigin(WebRequest r) {
        if (r.origin() == null) {
            return true; // not a browser's cross-site form (browsers send Origin with every POST)
        }
        try {
            URI o = URI.create(r.origin());
            String host = o.getHost() + (o.getPort() < 0 ? "" : ":" + o.getPort());
            return host.equalsIgnoreCase(r.host());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Answer refused(Optional<Sessions.Session> found, String why) {
        log.warn("event=web_form_refused reason=\"{}\"", why);
        return views.render(403, "error", found.map(s -> Views.page(why, "", s)).orElseGet(() -> bare(why)));
    }

    private static Page bare(String title) {
        return new Page(title, "", "", null, false, null, false);
    }

    private void send(HttpExchange ex, Answer a) throws IOException {
        Headers h = ex.getResponseHeaders();
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "same-origin"); // "no-referrer" makes browsers send Origin: null with forms
        h.set("Cross-Origin-Opener-Policy", "same-origin");
        h.set("Cache-Control", "no-store");
        if (tls) {
            h.set("Strict-Transport-Security", "max-age=31536000");
        }
        if (a instanceof Answer.WithCookie c) {
            h.add("Set-Cookie", cookie + "=" + c.session().id + "; Path=/; HttpOnly; SameSite=Strict"
                    + (tls ? "; Secure" : ""));
            a = c.answer();
        }
        switch (a) {
            case Answer.Html html -> HttpReplies.send(ex, html.status(), "text/html; charset=utf-8",
                    html.body().getBytes(StandardCharsets.UTF_8));
            case Answer.Redirect r -> {
                h.set("Location", r.location());
                ex.sendResponseHeaders(303, -1);
            }
            case Answer.Download d -> {
                if (d.fileName() != null) {
                    h.set("Content-Disposition", "attachment; filename=\"" + d.fileName() + "\"");
                } else {
                    h.set("Cache-Control", "max-age=3600");
                }
                HttpReplies.send(ex, 200, d.contentType(), d.body());
            }
            case Answer.WithCookie c -> throw new IllegalStateException("cookie twice");
        }
    }
}
