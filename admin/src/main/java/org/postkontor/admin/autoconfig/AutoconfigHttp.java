package org.postkontor.admin.autoconfig;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.admin.api.AdminHttpApi;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.admin.api.HttpReplies;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client autoconfiguration, for the public HTTPS listener ({@code autoconfig.port}; DNS points
 * {@code autoconfig.DOMAIN} and {@code autodiscover.DOMAIN} at it):
 * <ul>
 *   <li>{@code GET /mail/config-v1.1.xml?emailaddress=A} and
 *       {@code GET /.well-known/autoconfig/mail/config-v1.1.xml}: Thunderbird ({@link ThunderbirdConfig});
 *       without the parameter the domain is the request's host name less {@code autoconfig.}</li>
 *   <li>{@code POST /autodiscover/autodiscover.xml} (any case): Outlook ({@link AutodiscoverPox})</li>
 *   <li>{@code GET /apple/profile.mobileconfig?emailaddress=A}: Apple Mail ({@link AppleProfile})</li>
 * </ul>
 * Only hosted domains get an answer (404 otherwise); whether a user exists is never told: every
 * address of a hosted domain gets the same settings. Answers carry no password and no secret.
 */
public final class AutoconfigHttp implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger("postkontor.autoconfig");
    /** Largest Autodiscover request read; a real one is a few hundred bytes. */
    static final int MAX_REQUEST = 16 * 1024;

    private final Directory directory;
    private final ClientSetup setup;

    public AutoconfigHttp(Directory directory, ClientSetup setup) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.setup = Objects.requireNonNull(setup, "setup");
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath().toLowerCase(Locale.ROOT);
            String method = ex.getRequestMethod();
            Map<String, String> q = AdminHttpApi.query(ex.getRequestURI().getRawQuery());
            try {
                switch (path) {
                    case "/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml" -> {
                        if (!get(ex, method)) {
                            return;
                        }
                        Optional<String> domain = q.containsKey("emailaddress") ? domainOf(q.get("emailaddress"))
                                : hostDomain(ex);
                        if (domain.isEmpty()) {
                            send(ex, 404, "text/plain", "no such domain here\n".getBytes(StandardCharsets.UTF_8));
                            return;
                        }
                        send(ex, 200, "application/xml", ThunderbirdConfig.xml(domain.get(), setup));
                    }
                    case "/autodiscover/autodiscover.xml" -> {
                        if (!method.equals("POST")) {
                            ex.getResponseHeaders().set("Allow", "POST");
                            send(ex, 405, "text/plain", "use POST\n".getBytes(StandardCharsets.UTF_8));
                            return;
                        }
                        Optional<MailAddress> user;
                        try (InputStream in = ex.getRequestBody()) {
                            byte[] raw = in.readNBytes(MAX_REQUEST);
                            user = AutodiscoverPox.emailAddress(new java.io.ByteArrayInputStream(raw))
                                    .flatMap(this::hostedAddress);
                        }
                        send(ex, 200, "application/xml", user.isPresent()
                                ? AutodiscoverPox.response(user.get().toString(), setup) : AutodiscoverPox.invalidRequest());
                    }
                    case "/apple/profile.mobileconfig" -> {
                        if (!get(ex, method)) {
                            return;
                        }
                        Optional<MailAddress> user = hostedAddress(q.getOrDefault("emailaddress", ""));
                        if (user.isEmpty()) {
                            send(ex, 404, "text/plain", "no such domain here\n".getBytes(StandardCharsets.UTF_8));
                            return;
                        }
                        ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"mail.mobileconfig\"");
                        send(ex, 200, AppleProfile.CONTENT_TYPE, AppleProfile.plist(user.get(), setup));
                    }
                    default -> send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
                }
            } catch (StoreException e) {
                log.warn("event=autoconfig_failed path={} error=\"{}\"", path, e.toString());
                send(ex, 503, "text/plain", "try again later\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private Optional<MailAddress> hostedAddress(String address) {
        try {
            MailAddress a = MailAddress.parse(address.strip());
            return directory.isHosted(a.domain()) ? Optional.of(a) : Optional.empty();
        } catch (IllegalArgumentException | StoreException e) {
            return Optional.empty();
        }
    }

    private Optional<String> domainOf(String address) {
        return hostedAddress(address).map(MailAddress::domain);
    }

    /** {@code autoconfig.example.com[:port]} -> {@code example.com}, if hosted. */
    private Optional<String> hostDomain(HttpExchange ex) throws StoreException {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return Optional.empty();
        }
        host = host.toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
        String domain = host.startsWith("autoconfig.") ? host.substring("autoconfig.".length()) : host;
        try {
            String d = MailAddress.normalizeDomain(domain);
            return directory.isHosted(d) ? Optional.of(d) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean get(HttpExchange ex, String method) throws IOException {
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain", "use GET\n".getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        HttpReplies.send(ex, status, type + (type.startsWith("text/") || type.endsWith("xml") ? "; charset=utf-8" : ""),
                body);
    }
}
