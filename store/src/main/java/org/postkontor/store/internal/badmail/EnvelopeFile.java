package org.postkontor.store.internal.badmail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.BadmailStore.BadmailReason;

/**
 * A badmail item's {@code .env} file: its envelope and reason, from which the index is built at
 * every start. A {@link Properties} file (ISO-8859-1, other characters escaped), version 1:
 * {@code version}, {@code sender}, {@code recipients} (count) and {@code recipient.<i>},
 * {@code client}, {@code helo}, {@code received}, {@code reason.kind}, {@code reason.code},
 * {@code reason.enhanced}, {@code reason.text}, {@code reason.at}, {@code octets} (the original's
 * size, checked against the {@code .eml}).
 */
final class EnvelopeFile {

    private static final String V = "version";
    private static final String SENDER = "sender";
    private static final String RECIPIENTS = "recipients";
    private static final String RECIPIENT = "recipient.";
    private static final String CLIENT = "client";
    private static final String HELO = "helo";
    private static final String RECEIVED = "received";
    private static final String KIND = "reason.kind";
    private static final String CODE = "reason.code";
    private static final String ENHANCED = "reason.enhanced";
    private static final String TEXT = "reason.text";
    private static final String AT = "reason.at";
    private static final String OCTETS = "octets";

    private EnvelopeFile() {}

    static byte[] encode(BadmailItem item) {
        Properties p = new Properties();
        p.setProperty(V, "1");
        p.setProperty(SENDER, item.envelope().sender());
        List<String> recipients = item.envelope().recipients();
        p.setProperty(RECIPIENTS, Integer.toString(recipients.size()));
        for (int i = 0; i < recipients.size(); i++) {
            p.setProperty(RECIPIENT + i, recipients.get(i));
        }
        p.setProperty(CLIENT, item.envelope().clientAddress());
        p.setProperty(HELO, item.envelope().helo());
        p.setProperty(RECEIVED, item.envelope().received().toString());
        p.setProperty(KIND, item.reason().kind());
        p.setProperty(CODE, Integer.toString(item.reason().code()));
        p.setProperty(ENHANCED, item.reason().enhancedStatus());
        p.setProperty(TEXT, item.reason().text());
        p.setProperty(AT, item.reason().at().toString());
        p.setProperty(OCTETS, Long.toString(item.octets()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            p.store(out, "postkontor badmail envelope " + item.id());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    /**
     * The item an envelope file describes.
     *
     * @throws IllegalArgumentException the file is malformed or of another version
     */
    static BadmailItem decode(String id, InputStream in) throws IOException {
        Properties p = new Properties();
        p.load(in);
        if (!"1".equals(p.getProperty(V))) {
            throw new IllegalArgumentException("unknown envelope file version");
        }
        int n = Integer.parseInt(req(p, RECIPIENTS));
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            recipients.add(req(p, RECIPIENT + i));
        }
        BadmailEnvelope env = new BadmailEnvelope(req(p, SENDER), recipients, req(p, CLIENT), req(p, HELO),
                Instant.parse(req(p, RECEIVED)));
        BadmailReason why = new BadmailReason(req(p, KIND), Integer.parseInt(req(p, CODE)), req(p, ENHANCED),
                req(p, TEXT), Instant.parse(req(p, AT)));
        return new BadmailItem(id, env, why, Long.parseLong(req(p, OCTETS)));
    }

    private static String req(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("envelope file lacks " + key);
        }
        return Objects.requireNonNull(v);
    }
}
