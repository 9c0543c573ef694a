package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.admin.api.AdminError;
import org.postkontor.admin.api.AdminToken;

/** The admin operations over the running appliance's admin HTTP API. */
final class HttpAdminClient implements AdminClient {

    private final URI base;
    private final AdminToken token;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Duration timeout;

    /** @param pinned the certificate an {@code https} admin listener presents: trusted, and nothing else */
    HttpAdminClient(URI base, AdminToken token, Duration timeout, Optional<Path> pinned) throws AdminError {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1);
        if (pinned.isPresent()) {
            b.sslContext(PinnedCertificate.context(pinned.get()));
        }
        this.http = b.build();
    }

    @Override
    public AdminApi.Reply call(String method, String path, Map<String, String> query, InputStream body)
            throws AdminError {
        URI uri;
        try {
            URI p = new URI(null, null, path, null);
            String q = query.entrySet().stream()
                    .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
            uri = URI.create(base.resolve(p.toASCIIString()) + (q.isEmpty() ? "" : "?" + q));
        } catch (URISyntaxException e) {
            throw AdminError.badInput("cannot put this into a URL: " + e.getMessage());
        }
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofInputStream(() -> body);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + token.value())
                .method(method, publisher).build();
        try {
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            String type = resp.headers().firstValue("Content-Type").orElse("");
            if (type.startsWith("application/json")) {
                try (InputStream in = resp.body()) {
                    JsonNode n = json.readTree(in);
                    return new AdminApi.JsonReply(resp.statusCode(), n);
                }
            }
            if (resp.statusCode() >= 300) {
                resp.body().close();
                throw new AdminError(resp.statusCode(), "http_" + resp.statusCode(),
                        "the admin API answered HTTP " + resp.statusCode());
            }
            return new AdminApi.RawReply(resp.statusCode(), type, resp.body());
        } catch (ConnectException e) {
            throw AdminError.unavailable("the appliance's admin API at " + base + " does not answer");
        } catch (HttpTimeoutException e) {
            throw AdminError.unavailable("the appliance's admin API at " + base + " did not answer in " + timeout);
        } catch (IOException e) {
            throw AdminError.unavailable("talking to the admin API at " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AdminError.unavailable("interrupted");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String mode() {
        return "running";
    }

    @Override
    public void close() {
        http.close();
    }
}
