package org.postkontor.smtp.internal.subetha;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.smtp.internal.ImplicitTls;
import org.postkontor.smtp.internal.ProxyHeaderReader;
import org.postkontor.smtp.internal.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.proxy.ProxyHandler;
import org.subethamail.smtp.internal.proxy.ProxyProtocolV1V2Handler;
import org.subethamail.smtp.server.Session;

/**
 * PROXY protocol v1/v2 through SubEthaSMTP's own parser, guarded: a missing or malformed header, an
 * I/O error, or a parser that returns {@code null} (the NullPointerException of subethasmtp issue
 * 169, reported against 7.2.2) all end the session with 421 4.7.0 instead of a crash or a stack
 * trace. On an implicit-TLS listener the header is read by {@link ProxyHeaderReader}, before the
 * handshake and not a byte further.
 */
public final class GuardedProxyHandler implements ProxyHandler {

    private static final Logger log = LoggerFactory.getLogger(GuardedProxyHandler.class);

    private final ProxyHandler delegate;
    private final SmtpMetrics metrics;

    public GuardedProxyHandler(SmtpMetrics metrics) {
        this(ProxyProtocolV1V2Handler.INSTANCE, metrics);
    }

    public GuardedProxyHandler(ProxyHandler delegate, SmtpMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public ProxyResult handle(InputStream in, OutputStream out, Session session) {
        ProxyResult r;
        try {
            InputStream beforeTls = ImplicitTls.inputBeforeHandshake(session.getSocket());
            if (beforeTls != null) {
                // implicit TLS: the ClientHello follows the header at once, so read exactly the header
                r = ProxyHeaderReader.read(beforeTls).map(ProxyResult::new).orElse(ProxyResult.NOP);
            } else {
                r = delegate.handle(in, out, session);
            }
        } catch (IOException | RuntimeException e) {
            // RuntimeException too: a parser bug in the library must cost one connection, not a
            // session thread's stack trace (the header is untrusted input).
            log.debug("session={} PROXY header refused: {}", session.getSessionId(), e.getClass().getSimpleName());
            r = null;
        }
        if (r == null || !r.isSuccess()) {
            metrics.rejection(Reason.OTHER);
            Reply p = Reply.PROXY_REQUIRED;
            return new ProxyResult(p.code(), p.enhanced() + " " + p.text());
        }
        return r;
    }
}
