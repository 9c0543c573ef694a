package org.postkontor.deploy.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.postkontor.admin.api.HttpReplies;

/**
 * One {@code com.sun.net.httpserver} listener on virtual threads, plain or HTTPS. The appliance
 * has up to three: metrics and health ({@link #metricsAndHealth}), the admin listener (the JSON
 * API at {@code /api/v1/} and the web admin page at {@code /}), and the public autoconfig
 * listener. Lifecycle: construct (binds), {@link #start}, {@link #close}.
 */
public final class HttpListener implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    public HttpListener(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    /** @param tls the context of the appliance's certificate, or null for plain HTTP */
    public HttpListener(InetSocketAddress address, SSLContext tls) throws IOException {
        if (tls == null) {
            server = HttpServer.create(address, 64);
        } else {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
    }

    public void mount(String path, HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** {@code /metrics}, {@code /health/live}, {@code /health/ready}. */
    public void metricsAndHealth(Supplier<String> scrape, Readiness readiness) {
        mount("/metrics", ex -> {
            if (!allowGet(ex)) {
                return;
            }
            respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", scrape.get());
        });
        mount("/health/live", ex -> {
            if (allowGet(ex)) {
                respond(ex, 200, "text/plain; charset=utf-8", "live\n");
            }
        });
        mount("/health/ready", ex -> {
            if (!allowGet(ex)) {
                return;
            }
            List<String> problems = readiness.problems();
            if (problems.isEmpty()) {
                respond(ex, 200, "text/plain; charset=utf-8", "ready\n");
            } else {
                respond(ex, 503, "text/plain; charset=utf-8", String.join("\n", problems) + "\n");
            }
        });
        mount("/", ex -> {
            if (ex.getRequestURI().getPath().equals("/")) {
                respond(ex, 200, "text/plain; charset=utf-8", "postkontor: /metrics /health/live /health/ready\n");
            } else {
                respond(ex, 404, "text/plain; charset=utf-8", "not found\n");
            }
        });
    }

    private static boolean allowGet(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            HttpReplies.send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    public void start() {
        server.start();
    }

    /** The bound address (the real port when configured with 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
