package org.postkontor.deliver;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.apache.commons.net.util.TrustManagerUtils;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;

/**
 * One SMTP client connection to a remote server (Apache Commons Net's client), used for several
 * messages in a row (RSET between them). TLS by {@link Tls}: opportunistic STARTTLS with any
 * certificate (RFC 7435), STARTTLS required with a certificate that chains to a trusted root and
 * names the host (MTA-STS, the relay), or implicit TLS (the relay on 465). Not thread-safe.
 */
final class SmtpSession implements AutoCloseable {

    enum Tls { OPPORTUNISTIC, REQUIRED, IMPLICIT }

    /** The connection could not be used: a reply or our own reason, for every recipient. */
    static final class Failed extends Exception {
        final transient SmtpReply reply;

        Failed(SmtpReply reply) {
            super(reply.line(), null, false, false);
            this.reply = reply;
        }
    }

    private final AuthenticatingSMTPClient client;
    private final String peer;
    private boolean eightBit;
    private boolean size;
    private boolean encrypted;
    private boolean used;

    private SmtpSession(AuthenticatingSMTPClient client, String peer) {
        this.client = client;
        this.peer = peer;
    }

    /**
     * Connects, reads the greeting, says EHLO, does TLS as {@code tls} asks and AUTH when a login
     * is given.
     *
     * @param peer  the server's host name (what a verified certificate must name)
     * @param trust the roots a verified certificate must chain to
     */
    static SmtpSession open(InetAddress address, int port, String peer, Tls tls, DeliveryConfig config,
                            X509TrustManager trust, Optional<String[]> login) throws Failed {
        AuthenticatingSMTPClient c;
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {
                    tls == Tls.OPPORTUNISTIC ? TrustManagerUtils.getAcceptAllTrustManager() : trust}, null);
            c = new AuthenticatingSMTPClient(tls == Tls.IMPLICIT, ctx);
        } catch (java.security.GeneralSecurityException e) {
            throw new Failed(SmtpReply.local("4.7.5", "TLS unavailable here"));
        }
        c.setConnectTimeout((int) config.connectTimeout().toMillis());
        c.setDefaultTimeout((int) config.commandTimeout().toMillis());
        c.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (tls != Tls.OPPORTUNISTIC) {
            c.setHostnameVerifier((ignoredAddress, session) -> names(session, peer));
        }
        SmtpSession s = new SmtpSession(c, peer);
        try {
            c.connect(address, port);
            if (!SMTPReply.isPositiveCompletion(c.getReplyCode())) {
                throw new Failed(s.reply("greeting"));
            }
            if (tls == Tls.IMPLICIT) {
                s.encrypted = true;
            }
            Map<String, String> ext = s.ehlo(config.hostname());
            if (tls != Tls.IMPLICIT && ext.containsKey("STARTTLS")) {
                if (!c.execTLS()) {
                    throw new Failed(s.reply("STARTTLS"));
                }
                s.encrypted = true;
                ext = s.ehlo(config.hostname());
            } else if (tls == Tls.REQUIRED) {
                throw new Failed(SmtpReply.local("4.7.5", "TLS required for " + peer + " but STARTTLS not offered"));
            }
            s.eightBit = ext.containsKey("8BITMIME");
            s.size = ext.containsKey("SIZE");
            if (login.isPresent()) {
                if (!c.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, login.get()[0], login.get()[1])) {
                    throw new Failed(s.reply("AUTH"));
                }
            }
            return s;
        } catch (javax.net.ssl.SSLException e) {
            s.abandon();
            throw new Failed(SmtpReply.local("4.7.5", "TLS with " + peer + " failed: " + e.getMessage()));
        } catch (IOException | java.security.GeneralSecurityException e) {
            s.abandon();
            throw new Failed(SmtpReply.local("4.4.1", "cannot talk to " + peer + ": " + e.getMessage()));
        } catch (Failed e) {
            s.abandon();
            throw e;
        }
    }

    /** The certificate names the server's host name (we connect to an address we looked up ourselves). */
    private static boolean names(SSLSession session, String peer) {
        return new DefaultHostnameVerifier().verify(peer, session);
    }

    private Map<String, String> ehlo(String hostname) throws IOException, Failed {
        Map<String, String> ext = new LinkedHashMap<>();
        if (!SMTPReply.isPositiveCompletion(client.ehlo(hostname))) {
            if (!SMTPReply.isPositiveCompletion(client.helo(hostname))) {
                throw new Failed(reply("HELO"));
            }
            return ext;
        }
        String[] lines = client.getReplyStrings();
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i].length() > 4 ? lines[i].substring(4).strip() : "";
            int sp = l.indexOf(' ');
            ext.put((sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT), sp < 0 ? "" : l.substring(sp + 1));
        }
        return ext;
    }

    /** The connection is encrypted (STARTTLS or implicit TLS). */
    boolean encrypted() {
        return encrypted;
    }

    /**
     * Sends one message; returns the final reply for each recipient (the RCPT reply when it was
     * refused, else the reply to the end of the data). A connection that breaks mid-way throws.
     */
    Map<String, SmtpReply> send(String sender, List<String> recipients, InputStream message, long octets,
                                boolean has8bit) throws Failed {
        Map<String, SmtpReply> out = new LinkedHashMap<>();
        try {
            if (used && !client.reset()) {
                throw new Failed(reply("RSET"));
            }
            used = true;
            String params = (size ? " SIZE=" + octets : "") + (eightBit && has8bit ? " BODY=8BITMIME" : "");
            int code = client.mail("<" + sender + ">" + params);
            if (!SMTPReply.isPositiveCompletion(code)) {
                SmtpReply r = reply("MAIL");
                recipients.forEach(x -> out.put(x, r));
                return out;
            }
            List<String> accepted = new java.util.ArrayList<>();
            for (String r : recipients) {
                if (SMTPReply.isPositiveCompletion(client.rcpt("<" + r + ">"))) {
                    accepted.add(r);
                } else {
                    out.put(r, reply("RCPT"));
                }
            }
            if (accepted.isEmpty()) {
                return out;
            }
            Writer w = client.sendMessageData();
            if (w == null) {
                SmtpReply r = reply("DATA");
                accepted.forEach(x -> out.put(x, r));
                return out;
            }
            try (Reader in = new InputStreamReader(message, StandardCharsets.ISO_8859_1)) {
                in.transferTo(w);
            }
            w.close();
            client.completePendingCommand();
            SmtpReply end = reply("end of data");
            accepted.forEach(x -> out.put(x, end));
            return out;
        } catch (IOException e) {
            abandon();
            throw new Failed(SmtpReply.local("4.4.2", "connection to " + peer + " lost: " + e.getMessage()));
        }
    }

    private SmtpReply reply(String after) {
        int code = client.getReplyCode();
        if (code <= 0) {
            return SmtpReply.local("4.4.2", "no reply from " + peer + " after " + after);
        }
        return SmtpReply.of(code, client.getReplyString());
    }

    boolean usable() {
        return client.isConnected();
    }

    private void abandon() {
        try {
            client.disconnect();
        } catch (IOException e) {
            // gone already
        }
    }

    /** QUIT and close. */
    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.logout();
            }
        } catch (IOException e) {
            // closing anyway
        }
        abandon();
    }
}
