package org.postkontor.smtp.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.IDN;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return content.open();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }), content.size()));
        header(b, "From", Optional.of(envelope.sender()));
        header(b, "Queue-Id", Optional.of(envelope.queueId()));
        header(b, "MTA-Name", Optional.of(envelope.serverName()));
        header(b, "Helo", envelope.helo());
        for (String r : envelope.recipients()) {
            header(b, "Rcpt", Optional.of(r));
        }
        header(b, "User", envelope.authenticatedUser());
        header(b, "TLS-Version", envelope.tlsProtocol());
        header(b, "TLS-Cipher", envelope.tlsCipher());
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
     * A value as an HTTP header can carry it: the JDK's client writes header values as US-ASCII, so
     * an internationalized domain goes as its A-labels (IDNA); control characters become {@code ?}.
     * Empty when non-ASCII remains (an SMTPUTF8 local part): the header is then left out, rather
     * than sent garbled, and rspamd works without that part of the envelope.
     */
    static Optional<String> ascii(String s) {
        String v = s;
        int at = v.lastIndexOf('@');
        if (at >= 0 && !v.substring(at + 1).chars().allMatch(c -> c < 0x80)) {
            try {
                v = v.substring(0, at + 1) + IDN.toASCII(v.substring(at + 1), IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        StringBuilder b = new StringBuilder(v.length());
        for (char c : v.toCharArray()) {
            if (c >= 0x80) {
                return Optional.empty();
            }
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return Optional.of(b.toString());
    }

    private static void header(HttpRequest.Builder b, String name, Optional<String> value) {
        value.flatMap(RspamdFilter::ascii).ifPresent(v -> b.header(name, v));
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
