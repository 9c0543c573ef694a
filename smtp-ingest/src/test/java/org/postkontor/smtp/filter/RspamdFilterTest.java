package org.postkontor.smtp.filter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link RspamdFilter} sends over rspamd's HTTP protocol, and how it names each failure; a stand-in server on loopback. */
class RspamdFilterTest {

    private HttpServer server;
    private final Map<String, Object> seen = new ConcurrentHashMap<>();

    private URI serve(Consumer<HttpExchange> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            seen.put("path", x.getRequestURI().getPath());
            seen.put("method", x.getRequestMethod());
            seen.put("headers", Map.copyOf(x.getRequestHeaders()));
            seen.put("body", x.getRequestBody().readAllBytes());
            answer.accept(x);
            x.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static void json(HttpExchange x, int status, String body) {
        try {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status, b.length);
            x.getResponseBody().write(b);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static MessageFilter.Content content(byte[] b) {
        return new MessageFilter.Content() {
            @Override
            public long size() {
                return b.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(b);
            }
        };
    }

    private static final Envelope ENVELOPE = new Envelope("192.0.2.7", Optional.of("mx.remote.test"),
            "s\u00e9nder@remote.test", List.of("alice@example.test", "bob@example.test"), Optional.of("TLSv1.3"),
            Optional.of("TLS_AES_256_GCM_SHA384"), Optional.empty(), "abc.1", "mx.example.test");

    @Test
    void postsTheEnvelopeAsHeadersAndTheMessageAsTheBody() throws Exception {
        URI uri = serve(x -> json(x, 200, "{\"action\":\"no action\",\"score\":1.5}"));
        byte[] message = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        try (RspamdFilter f = new RspamdFilter(uri, Duration.ofSeconds(5))) {
            assertEquals(Verdict.Action.NO_ACTION, f.scan(ENVELOPE, content(message)).action());
        }
        assertEquals("/checkv2", seen.get("path"));
        assertEquals("POST", seen.get("method"));
        assertArrayEquals(message, (byte[]) seen.get("body"));
        @SuppressWarnings("unchecked")
        Map<String, List<String>> h = (Map<String, List<String>>) seen.get("headers");
        assertEquals(List.of("192.0.2.7"), h.get("Ip"));
        assertEquals(List.of("mx.remote.test"), h.get("Helo"));
        assertEquals(List.of("alice@example.test", "bob@example.test"), h.get("Rcpt"));
        assertEquals(List.of("abc.1"), h.get("Queue-id"));
        assertEquals(List.of("mx.example.test"), h.get("Mta-name"));
        assertEquals(List.of("TLSv1.3"), h.get("Tls-version"));
        assertEquals(List.of(Integer.toString(message.length)), h.get("Content-length"));
        assertEquals(null, h.get("User"));
        // an SMTPUTF8 local part cannot go in an HTTP header of the JDK's client: left out, not garbled
        assertEquals(null, h.get("From"));
        assertEquals(Optional.of("a@xn--mller-kva.test"), RspamdFilter.ascii("a@m\u00fcller.test"));
    }

    @Test
    void eachFailureHasItsKind() throws Exception {
        URI slow = serve(x -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            json(x, 200, "{\"action\":\"no action\"}");
        });
        try (RspamdFilter f = new RspamdFilter(slow, Duration.ofMillis(300))) {
            assertEquals(FilterException.Kind.TIMEOUT,
                    assertThrows(FilterException.class, () -> f.scan(ENVELOPE, content(new byte[10]))).kind());
        }
        server.stop(0);

        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (RspamdFilter f = new RspamdFilter(URI.create("http://127.0.0.1:" + closed), Duration.ofSeconds(2))) {
            assertEquals(FilterException.Kind.UNAVAILABLE,
                    assertThrows(FilterException.class, () -> f.scan(ENVELOPE, content(new byte[10]))).kind());
        }

        URI broken = serve(x -> json(x, 500, "oops"));
        try (RspamdFilter f = new RspamdFilter(broken, Duration.ofSeconds(2))) {
            assertEquals(FilterException.Kind.BAD_RESPONSE,
                    assertThrows(FilterException.class, () -> f.scan(ENVELOPE, content(new byte[10]))).kind());
        }
        server.stop(0);
        URI nonsense = serve(x -> json(x, 200, "{\"action\":\"explode\"}"));
        try (RspamdFilter f = new RspamdFilter(nonsense, Duration.ofSeconds(2))) {
            assertEquals(FilterException.Kind.BAD_RESPONSE,
                    assertThrows(FilterException.class, () -> f.scan(ENVELOPE, content(new byte[10]))).kind());
        }
    }
}
