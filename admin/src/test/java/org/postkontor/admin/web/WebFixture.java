package org.postkontor.admin.web;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminHttpApi;
import org.postkontor.admin.api.AdminToken;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;
import org.postkontor.store.testing.TempStore;

/**
 * The web admin over a real store, mounted as the appliance mounts it (beside the JSON API) on
 * 127.0.0.1, and a browser-like HTTP client that keeps its cookie and reads each form's CSRF token.
 * Failed logins record their delay instead of waiting it.
 */
final class WebFixture implements AutoCloseable {

    static final ClientSetup CLIENTS = ClientSetup.pop3s("mail.example.test", 995);

    final TempStore temp;
    final BadmailQueue badmail;
    final List<Duration> delays = new ArrayList<>();
    final AdminToken token;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    WebFixture(WebConfig config) throws Exception {
        temp = TempStore.create();
        Clock clock = Clock.systemUTC();
        badmail = BadmailQueue.over(temp.store(), BadmailConfig.DEFAULTS, clock, BadmailMetrics.NOOP);
        token = AdminToken.ensure(temp.dataDir());
        AdminApi api = new AdminApi(temp.store(), badmail, AdminApi.ApplianceState.NONE, "running", CLIENTS);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setExecutor(executor);
        http.createContext(AdminApi.PREFIX, new AdminHttpApi(api, token));
        http.createContext("/", new WebAdmin(api, temp.store().webUsers(), temp.store().accounts(), CLIENTS, config,
                false, () -> List.of(), clock, d -> {
                    synchronized (delays) {
                        delays.add(d);
                    }
                }));
        http.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** A badmail item for {@code recipient} whose Subject is {@code subject}; returns its id. */
    String badmailItem(String recipient, String subject) throws Exception {
        byte[] msg = ("From: sender@remote.test\r\nTo: " + recipient + "\r\nSubject: " + subject + "\r\n\r\nhello\r\n")
                .getBytes(StandardCharsets.UTF_8);
        badmail.admit(new BadmailEnvelope("sender@remote.test", List.of(recipient), "192.0.2.7", "mx.remote.test",
                        Clock.systemUTC().instant()),
                new BadmailReason("unknown_user", 550, "5.1.1", "no such user", Clock.systemUTC().instant()),
                new ByteArrayInputStream(msg));
        return badmail.list(org.postkontor.badmail.BadmailFilter.ALL, 0, 10).items().get(0).id();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        temp.close();
    }

    /** A client with one cookie jar entry, following no redirects (a test looks at each 303). */
    static final class Browser {
        private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

        final URI base;
        final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        String cookie;
        String csrf;
        HttpResponse<String> last;

        Browser(URI base) {
            this.base = base;
        }

        HttpResponse<String> get(String path) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
            return send(b);
        }

        /** Posts a form with the CSRF token of the last page read (unless the fields say otherwise). */
        HttpResponse<String> post(String path, Map<String, String> fields) throws Exception {
            Map<String, String> all = new LinkedHashMap<>();
            if (csrf != null) {
                all.put("_csrf", csrf);
            }
            all.putAll(fields);
            all.values().removeIf(v -> v == null);
            return postRaw(path, all);
        }

        HttpResponse<String> postRaw(String path, Map<String, String> fields) throws Exception {
            String body = fields.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                    .collect(Collectors.joining("&"));
            return send(HttpRequest.newBuilder(base.resolve(path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        /** Signs in as an admin through the form. */
        HttpResponse<String> login(String name, String password) throws Exception {
            get("/login");
            return post("/login", Map.of("name", name, "password", password));
        }

        private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
            if (cookie != null) {
                b.header("Cookie", cookie);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            r.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.substring(0, c.indexOf(';')));
            Matcher m = CSRF.matcher(r.body());
            if (m.find()) {
                csrf = m.group(1);
            }
            last = r;
            return r;
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }
    }
}
