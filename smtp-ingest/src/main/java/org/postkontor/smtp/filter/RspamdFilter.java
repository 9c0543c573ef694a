package org.postkontor.smtp.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * rspamd over its HTTP protocol ({@code POST /checkv2} on the normal worker, port 11333): the
 * envelope goes in request headers ({@code IP}, {@code Helo}, {@code From}, one {@code Rcpt} per
 * recipient, {@code Queue-Id}, {@code MTA-Name}, {@code User}, {@code TLS-Version},
 * {@code TLS-Cipher}), the message streams as the body with its length (never held in memory),
 * the JSON answer becomes a {@link Verdict} ({@link RspamdReply}). The headers rspamd wants added
 * come from its {@code milter_headers} module (its {@code milter} block); deploy/rspamd ships the
 * configuration that turns on {@code Authentication-Results} and the {@code X-Spam-*} fields.
 *
 * <p>Uses the JDK's HTTP client (HTTP/1.1); one per filter, shared by all sessions.
 */
public final class RspamdFilter implements MessageFilter {

    /** Longest answer read; rspamd's are a few KiB. */
    static final int MAX_REPLY_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI checkUri;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl rspamd's normal worker, e.g. {@code http://127.0.0.1:11333}
     * @param timeout the longest a scan may take, connecting included
     */
    public RspamdFilter(URI baseUrl, Duration timeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        String base = baseUrl.toString();
        this.checkUri = URI.create((base.endsWith("/") ? base : base + "/") + "checkv2");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public Verdict scan(Envelope envelope, Content content) throws FilterException {
        HttpRequest.Builder b = HttpRequest.newBuilder(checkUri)
                .timeout(timeout)
                .header("IP", envelope.clientIp())
                .header("From", ascii(envelope.sender()))
                .header("Queue-Id", ascii(envelope.queueId()))
                .header("MTA-Name", ascii(envelope.serverName()))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return content.open();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }), content.size()));
        envelope.helo().ifPresent(h -> b.header("Helo", ascii(h)));
        for (String r : envelope.recipients()) {
            b.header("Rcpt", ascii(r));
        }
        envelope.authenticatedUser().ifPresent(u -> b.header("User", ascii(u)));
        envelope.tlsProtocol().ifPresent(p -> b.header("TLS-Version", ascii(p)));
        envelope.tlsCipher().ifPresent(c -> b.header("TLS-Cipher", ascii(c)));
        HttpResponse<InputStream> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new FilterException(FilterException.Kind.TIMEOUT, "rspamd did not answer within " + timeout, e);
        } catch (IOException | UncheckedIOException e) {
            throw new FilterException(FilterException.Kind.UNAVAILABLE, "rspamd at " + checkUri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FilterException(FilterException.Kind.UNAVAILABLE, "interrupted while waiting for rspamd", e);
        }
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(MAX_REPLY_BYTES + 1);
        } catch (HttpTimeoutException e) {
            throw new FilterException(FilterException.Kind.TIMEOUT, "rspamd did not answer within " + timeout, e);
        } catch (IOException e) {
            throw new FilterException(FilterException.Kind.UNAVAILABLE, "reading rspamd's answer: " + e, e);
        }
        if (response.statusCode() != 200) {
            throw new FilterException(FilterException.Kind.BAD_RESPONSE, "rspamd answered HTTP " + response.statusCode());
        }
        if (body.length > MAX_REPLY_BYTES) {
            throw new FilterException(FilterException.Kind.BAD_RESPONSE, "rspamd's answer is over " + MAX_REPLY_BYTES + " bytes");
        }
        try {
            return RspamdReply.parse(JSON.readTree(body));
        } catch (IOException | IllegalArgumentException e) {
            throw new FilterException(FilterException.Kind.BAD_RESPONSE, "rspamd's answer is no verdict: " + e.getMessage(), e);
        }
    }

    /**
     * A header value as the HTTP client sends it: its UTF-8 bytes one char each (the client
     * writes header chars as ISO-8859-1), so an SMTPUTF8 address arrives as the UTF-8 rspamd
     * expects; control characters become {@code ?}.
     */
    static String ascii(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(utf8.length);
        for (byte x : utf8) {
            int c = x & 0xff;
            b.append(c < 0x20 || c == 0x7f ? '?' : (char) c);
        }
        return b.toString();
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "rspamd " + checkUri;
    }
}
