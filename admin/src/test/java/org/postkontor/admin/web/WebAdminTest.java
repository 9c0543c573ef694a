package org.postkontor.admin.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postkontor.store.MailAddress;

/**
 * The web admin over HTTP, as a browser meets it: sign-in (wrong passwords delayed, counted and
 * throttled), the session cookie's flags, the security headers, CSRF tokens on every form, escaping
 * of what mail brings in, and each form doing what the admin API does.
 */
class WebAdminTest {

    WebFixture f;
    WebFixture.Browser b;

    @BeforeEach
    void start() throws Exception {
        f = new WebFixture(WebConfig.DEFAULTS.withUserPages(true));
        f.temp.store().webUsers().add("admin", "Correct-Horse-9".toCharArray());
        b = new WebFixture.Browser(f.base());
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void signedOutPagesSendToTheLoginAndTheCookieIsHttpOnlyAndStrict() throws Exception {
        HttpResponse<String> r = b.get("/users");
        assertEquals(303, r.statusCode());
        assertEquals("/login", r.headers().firstValue("Location").orElseThrow());
        r = b.get("/login");
        assertEquals(200, r.statusCode());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"),
                setCookie);
        assertFalse(setCookie.contains("Secure"), "plain HTTP on loopback: a Secure cookie would never come back");
        String before = b.cookie;
        r = b.post("/login", Map.of("name", "admin", "password", "Correct-Horse-9"));
        assertEquals(303, r.statusCode());
        assertEquals("/", r.headers().firstValue("Location").orElseThrow());
        assertFalse(before.equals(b.cookie), "a sign-in gets a new session id (no fixation)");
        r = b.get("/");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("Dashboard") && r.body().contains("Free disk"), r.body());
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws Exception {
        for (String path : new String[] {"/login", "/nothing-here", "/static/style.css"}) {
            HttpResponse<String> r = b.get(path);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""), path);
            assertEquals("same-origin", r.headers().firstValue("Referrer-Policy").orElse(""), path);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'")
                    && !csp.contains("unsafe"), path + ": " + csp);
        }
    }

    @Test
    void aWrongPasswordIsRefusedDelayedAndCountedUntilThrottled() throws Exception {
        HttpResponse<String> r = b.login("admin", "wrong-password");
        assertEquals("/login", r.headers().firstValue("Location").orElseThrow());
        assertTrue(b.get("/login").body().contains("Wrong name or password"));
        assertEquals(1, f.delays.size(), "the failure waited");
        assertEquals(Duration.ofMillis(1500), f.delays.get(0));
        assertEquals(303, b.get("/").statusCode(), "still signed out");
        assertTrue(b.login("nobody", "wrong-password").headers().firstValue("Location").orElseThrow().equals("/login"));
        for (int i = 0; i < 9; i++) {
            b.login("admin", "wrong-" + i);
        }
        // 10 failures for "admin": the right password is refused for the rest of the window
        b.login("admin", "Correct-Horse-9");
        assertTrue(b.get("/login").body().contains("Too many failed sign-ins"));
        assertEquals(303, b.get("/").statusCode());
    }

    @Test
    void aFormWithoutItsCsrfTokenIsRefusedAndChangesNothing() throws Exception {
        b.login("admin", "Correct-Horse-9");
        b.get("/domains");
        HttpResponse<String> r = b.postRaw("/domains/add", Map.of("name", "evil.test"));
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("CSRF"), r.body());
        r = b.postRaw("/domains/add", Map.of("name", "evil.test", "_csrf", "forged"));
        assertEquals(403, r.statusCode());
        assertTrue(f.temp.store().admin().domains().isEmpty());
        r = b.post("/domains/add", Map.of("name", "good.test"));
        assertEquals(303, r.statusCode());
        assertEquals(1, f.temp.store().admin().domains().size());
    }

    @Test
    void formsDoWhatTheApiDoesWithItsChecks() throws Exception {
        b.login("admin", "Correct-Horse-9");
        b.get("/domains");
        b.post("/domains/add", Map.of("name", "example.test"));
        assertTrue(b.get("/domains").body().contains("Added example.test"));
        b.post("/users/add", Map.of("address", "alice@example.test", "password", "short", "quota", "2G"));
        assertTrue(b.get("/users").body().contains("weak password: fewer than 8 characters"), b.last.body());
        b.post("/users/add", Map.of("address", "alice@example.test", "password", "Battery-Staple-7", "quota", "2G"));
        assertTrue(b.get("/users").body().contains("Added alice@example.test"), b.last.body());
        assertEquals(2L << 30, f.temp.store().admin().user(MailAddress.parse("alice@example.test")).orElseThrow()
                .quotaBytes());
        b.post("/aliases/set", Map.of("address", "team@example.test", "targets", "alice@example.test"));
        assertTrue(b.get("/aliases").body().contains("team@example.test"));
        b.post("/users/remove", Map.of("address", "alice@example.test"));
        assertTrue(b.get("/users").body().contains("mail=keep or mail=delete"), "the keep/delete choice is required");
        b.post("/users/enabled", Map.of("address", "alice@example.test", "enabled", "false"));
        assertFalse(f.temp.store().admin().user(MailAddress.parse("alice@example.test")).orElseThrow().enabled());
        String dns = b.get("/domains/dns?name=example.test").body();
        assertTrue(dns.contains("_pop3s._tcp.example.test. IN SRV 0 1 995 mail.example.test."), dns);
    }

    @Test
    void whatMailBringsInIsShownAsText() throws Exception {
        String id = f.badmailItem("nobody@example.test", "<script>alert(1)</script><img src=x onerror=alert(2)>");
        b.login("admin", "Correct-Horse-9");
        String page = b.get("/badmail/item?id=" + id).body();
        assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"), page);
        assertFalse(page.contains("<script>") || page.contains("<img src=x"), page);
    }

    @Test
    void aMailUserChangesThePasswordWithTheSameRulesAsTheCli() throws Exception {
        f.temp.store().admin().addDomain("example.test");
        f.temp.addUser("bob@example.test", "Old-Password-1");
        assertEquals(303, b.get("/me").statusCode());
        b.get("/me/login");
        b.post("/me/login", Map.of("name", "bob@example.test", "password", "Old-Password-1"));
        String me = b.get("/me").body();
        assertTrue(me.contains("mail.example.test, port 995, SSL/TLS"), me);
        assertEquals("/login", b.get("/").headers().firstValue("Location").orElseThrow(), "a mail user is no admin");
        b.get("/me");
        b.post("/me/password", Map.of("current", "Old-Password-1", "password", "bob", "again", "bob"));
        assertTrue(b.get("/me").body().contains("weak password"), b.last.body());
        b.post("/me/password", Map.of("current", "wrong", "password", "New-Password-2", "again", "New-Password-2"));
        assertTrue(b.get("/me").body().contains("current password is wrong"));
        b.post("/me/password", Map.of("current", "Old-Password-1", "password", "New-Password-2", "again", "New-Password-2"));
        assertTrue(b.get("/me").body().contains("Password changed"), b.last.body());
        assertEquals(Optional.of(MailAddress.parse("bob@example.test")),
                f.temp.store().accounts().authenticate("bob@example.test", "New-Password-2".toCharArray()));
        HttpResponse<String> profile = b.get("/me/apple.mobileconfig");
        assertEquals("application/x-apple-aspen-config", profile.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(profile.body().contains("<string>bob@example.test</string>"));
    }

    @Test
    void selfServiceIsOffUnlessConfigured() throws Exception {
        try (WebFixture off = new WebFixture(WebConfig.DEFAULTS)) {
            WebFixture.Browser other = new WebFixture.Browser(off.base());
            assertEquals(404, other.get("/me/login").statusCode());
        }
    }
}
