package org.postkontor.deploy.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.badmail.PythonClients;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.ClientTools;

/**
 * The web admin page in a real headless Chromium against the real appliance: sign in (a wrong
 * password first), add a domain and a user, catch mail for a mistyped address in badmail,
 * redeliver it to the corrected address and retrieve it over POP3 with Python's poplib; look at a
 * message in the outbound queue, retry it, delete it; a form posted without its CSRF token is refused; a script in a Subject stays text; a mail user signs in
 * to the self-service page. A screenshot of each page is saved (target/screenshots; with
 * {@code -Dpostkontor.screenshots=DIR} also there: that is how docs/screenshots is made).
 */
class WebAdminBrowserTest {

    @TempDir
    Path dir;

    Appliance app;
    HeadlessChromium chrome;
    String base;

    @BeforeEach
    void start() throws Exception {
        HeadlessChromium.require();
        ClientTools.require("python3");
        Map<String, String> env = new java.util.HashMap<>(TestEnv.forDataDir(dir.resolve("data")));
        env.put("POSTKONTOR_WEB_USER_PAGES", "true");
        env.put("POSTKONTOR_WEB_FAILED_LOGIN_DELAY", "100ms");
        env.put("POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK", "true");
        env.put("POSTKONTOR_CLIENTS_MAIL_HOST", "mail.example.test");
        env.put("POSTKONTOR_DELIVERY_ENABLED", "false");
        app = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(), Appliance.defaultHasher());
        app.store().webUsers().add("admin", "Correct-Horse-9".toCharArray());
        base = "http://127.0.0.1:" + app.address("admin").orElseThrow().getPort();
        chrome = new HeadlessChromium(dir.resolve("profile"), Path.of("target", "screenshots"));
    }

    @AfterEach
    void stop() {
        if (chrome != null) {
            chrome.close();
        }
        if (app != null) {
            app.close();
        }
    }

    WebElement field(String name) {
        return chrome.driver.findElement(By.name(name));
    }

    /** The message the page shows after a form (waiting for the page the form led to). */
    String flash() {
        try {
            return new WebDriverWait(chrome.driver, Duration.ofSeconds(20))
                    .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("p.flash"))).getText();
        } catch (TimeoutException e) {
            throw new AssertionError("no message on " + chrome.driver.getCurrentUrl() + ": "
                    + chrome.driver.getPageSource(), e);
        }
    }

    /** Submits a form and waits until the browser has left the page it was on. */
    void submit(WebElement form) {
        WebElement html = chrome.driver.findElement(By.tagName("html"));
        form.findElement(By.cssSelector("button[type=submit]")).click();
        new WebDriverWait(chrome.driver, Duration.ofSeconds(20)).until(d -> {
            try {
                html.isEnabled();
                return false;
            } catch (StaleElementReferenceException e) {
                return true;
            } catch (WebDriverException e) {
                // Chromium sometimes says so instead of "stale" while the next page replaces this one
                if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                    return true;
                }
                throw e;
            }
        });
    }

    @Test
    void anAdminSetsUpADomainAndRedeliversBadmailThatArrivesOverPop3() throws Exception {
        var d = chrome.driver;
        d.get(base + "/");
        assertTrue(d.getCurrentUrl().endsWith("/login"), d.getCurrentUrl());
        chrome.screenshot("login");
        field("name").sendKeys("admin");
        field("password").sendKeys("not-the-password");
        submit(d.findElement(By.cssSelector("form[action='/login']")));
        assertEquals("Wrong name or password.", flash());
        assertTrue(d.getCurrentUrl().endsWith("/login"));

        field("name").sendKeys("admin");
        field("password").sendKeys("Correct-Horse-9");
        submit(d.findElement(By.cssSelector("form[action='/login']")));
        assertTrue(d.getPageSource().contains("Free disk"), d.getPageSource());

        d.get(base + "/domains");
        field("name").sendKeys("example.test");
        submit(d.findElement(By.cssSelector("form[action='/domains/add']")));
        assertTrue(flash().contains("Added example.test"), flash());

        d.get(base + "/users");
        WebElement add = d.findElement(By.cssSelector("form[action='/users/add']"));
        add.findElement(By.name("address")).sendKeys("alice@example.test");
        add.findElement(By.name("password")).sendKeys("Battery-Staple-7");
        add.findElement(By.name("quota")).sendKeys("2G");
        submit(add);
        assertTrue(flash().contains("Added alice@example.test"), flash());
        chrome.screenshot("users");

        d.get(base + "/aliases");
        WebElement alias = d.findElement(By.cssSelector("form[action='/aliases/set']"));
        alias.findElement(By.name("address")).sendKeys("team@example.test");
        alias.findElement(By.name("targets")).sendKeys("alice@example.test");
        submit(alias);
        chrome.screenshot("aliases");

        // mail for unknown local parts of example.test is kept in badmail
        d.get(base + "/domains");
        WebElement policy = d.findElement(By.cssSelector("form[action='/domains/policy']"));
        new Select(policy.findElement(By.name("policy"))).selectByValue("badmail");
        submit(policy);
        assertEquals("example.test: badmail", flash());
        chrome.screenshot("domains");
        d.findElement(By.linkText("DNS records")).click();
        assertTrue(d.findElement(By.cssSelector("pre.zone")).getText()
                .contains("_pop3s._tcp.example.test. IN SRV 0 1 995 mail.example.test."));
        chrome.screenshot("dns");

        PythonClients python = new PythonClients(dir);
        byte[] message = ("From: Bob <bob@remote.test>\r\nTo: alcie@example.test\r\n"
                + "Subject: Invoice <script>alert('xss')</script>\r\nMessage-ID: <web-1@remote.test>\r\n\r\n"
                + "Please find the invoice.\r\n").getBytes(StandardCharsets.UTF_8);
        List<String> sent = python.send(app.address("smtp").orElseThrow().getPort(), "bob@remote.test", message,
                "alcie@example.test");
        assertTrue(sent.get(sent.size() - 1).startsWith("DATA 250"), sent.toString());

        d.get(base + "/badmail");
        assertTrue(d.getPageSource().contains("alcie@example.test"));
        new Select(field("reason")).selectByValue("unknown_user");
        submit(d.findElement(By.cssSelector("form.filter")));
        assertTrue(d.getCurrentUrl().contains("reason=unknown_user"), d.getCurrentUrl());
        chrome.screenshot("badmail");
        d.findElement(By.linkText("Show")).click();
        assertTrue(d.getPageSource().contains("Invoice &lt;script&gt;alert('xss')&lt;/script&gt;")
                || d.findElement(By.cssSelector("table.headers")).getText().contains("Invoice <script>alert('xss')</script>"));
        assertThrows(NoAlertPresentException.class, () -> d.switchTo().alert(), "the Subject's script did not run");
        chrome.screenshot("badmail-item");
        WebElement redeliver = d.findElement(By.cssSelector("form[action='/badmail/redeliver']"));
        redeliver.findElement(By.name("to")).sendKeys("alice@example.test");
        submit(redeliver);
        assertEquals("Redelivered to alice@example.test", flash());

        List<byte[]> fetched = python.fetch(app.address("pop3").orElseThrow().getPort(), "alice@example.test",
                "Battery-Staple-7");
        assertEquals(1, fetched.size());
        assertTrue(new String(fetched.get(0), StandardCharsets.UTF_8).contains("Please find the invoice."));

        // a message a user sent to another server, waiting in the outbound queue (delivery is off here)
        String queued = app.store().outbound().enqueue("alice@example.test", List.of("carol@remote.test"),
                new ByteArrayInputStream(("From: alice@example.test\r\nTo: carol@remote.test\r\n"
                        + "Subject: Quarterly figures\r\n\r\nAttached.\r\n").getBytes(StandardCharsets.UTF_8))).id();

        d.get(base + "/");
        assertTrue(d.getPageSource().contains("1 message(s)"), d.getPageSource());
        chrome.screenshot("dashboard");

        d.findElement(By.linkText("Outbound queue")).click();
        assertTrue(d.getPageSource().contains("carol@remote.test"), d.getPageSource());
        chrome.screenshot("queue");
        d.findElement(By.linkText("Show")).click();
        assertTrue(d.findElement(By.cssSelector("pre.zone")).getText().contains("Subject: Quarterly figures"));
        chrome.screenshot("queue-item");
        submit(d.findElement(By.cssSelector("form[action='/queue/retry']")));
        assertEquals("Message " + queued + " is tried again now", flash());
        submit(d.findElement(By.cssSelector("form[action='/queue/delete']")));
        assertEquals("Deleted message " + queued + " (no bounce is sent)", flash());
        assertTrue(app.store().outbound().list().isEmpty());

        // a form whose CSRF token was taken out is refused, and changes nothing
        d.get(base + "/domains");
        d.executeScript("document.querySelector(\"form[action='/domains/add'] input[name=_csrf]\").remove()");
        field("name").sendKeys("forged.test");
        submit(d.findElement(By.cssSelector("form[action='/domains/add']")));
        assertTrue(d.getPageSource().contains("no valid CSRF token"), d.getPageSource());
        assertEquals(1, app.store().admin().domains().size());

        // the self-service page of a mail user
        d.get(base + "/");
        submit(d.findElement(By.cssSelector("form.signout")));
        d.get(base + "/me/login");
        field("name").sendKeys("alice@example.test");
        field("password").sendKeys("Battery-Staple-7");
        submit(d.findElement(By.cssSelector("form[action='/me/login']")));
        assertTrue(d.getPageSource().contains("mail.example.test, port 995, SSL/TLS"), d.getPageSource());
        chrome.screenshot("self-service");
        assertFalse(app.store().accounts().authenticate("alice@example.test", "wrong".toCharArray()).isPresent());
        assertTrue(app.store().admin().user(MailAddress.parse("alice@example.test")).isPresent());
    }
}
