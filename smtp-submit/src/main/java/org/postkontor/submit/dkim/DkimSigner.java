package org.postkontor.submit.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postkontor.store.DkimKey;

/**
 * DKIM signatures (RFC 6376) with {@code c=relaxed/relaxed}, by rsa-sha256 or ed25519-sha256
 * (RFC 8463: Ed25519 over the SHA-256 of the data), from the JDK's providers. The body is hashed
 * as it streams; the header section is held (it is bounded by {@link HeaderBlock}).
 *
 * <p>Written here because no maintained Java library fits: Apache James jDKIM signs RSA only (its
 * algorithm set is closed) and parses with mime4j, and simple-java-mail's DKIM module re-saves the
 * message through Jakarta Mail (new Message-ID, re-encoded parts) and holds the body as a string.
 * Its output is checked against an independent verifier (Debian's python3-dkim) in the tests.
 */
public final class DkimSigner {

    /**
     * Fields signed when present (RFC 6376 §5.4.1's list, less the trace fields); {@code From} is
     * signed once more than it occurs, so no From can be added without breaking the signature.
     */
    static final List<String> SIGNED = List.of("from", "reply-to", "subject", "date", "to", "cc", "message-id",
            "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
            "content-disposition", "list-id", "list-unsubscribe", "list-unsubscribe-post");

    private DkimSigner() {}

    /** The body hash over the canonicalized body, as {@code bh=} carries it. */
    public static String bodyHash(InputStream body) throws IOException {
        MessageDigest sha = sha256();
        RelaxedBody.digest(body, sha);
        return Base64.getEncoder().encodeToString(sha.digest());
    }

    /**
     * The complete {@code DKIM-Signature:} field, CRLF-terminated, to put on top of the message.
     *
     * @param header   the header section of the message as it will be sent
     * @param bodyHash from {@link #bodyHash}
     */
    public static String sign(HeaderBlock header, String bodyHash, DkimKey key, Instant now) {
        List<String> names = new ArrayList<>();
        for (String n : SIGNED) {
            long c = header.count(n);
            for (long i = 0; i < c + (n.equals("from") ? 1 : 0); i++) {
                names.add(n);
            }
        }
        String value = " v=1; a=" + key.algorithm().tag() + "; c=relaxed/relaxed; d=" + key.domain() + "; s="
                + key.selector() + ";\r\n\tt=" + now.getEpochSecond() + "; h=" + String.join(":", names)
                + ";\r\n\tbh=" + bodyHash + ";\r\n\tb=";
        String unsigned = "DKIM-Signature:" + value;
        StringBuilder data = new StringBuilder();
        Map<String, Integer> used = new HashMap<>();
        for (String n : names) {
            HeaderBlock.Field f = fromBottom(header, n, used);
            if (f != null) {
                data.append(relaxedHeader(f.raw()));
            }
        }
        String sigField = relaxedHeader(unsigned + "\r\n");
        data.append(sigField, 0, sigField.length() - 2); // RFC 6376 §3.7: without its CRLF
        byte[] b = sign(key, data.toString().getBytes(StandardCharsets.UTF_8));
        String b64 = Base64.getEncoder().encodeToString(b);
        StringBuilder out = new StringBuilder(unsigned);
        for (int i = 0; i < b64.length(); i += 72) {
            if (i > 0) {
                out.append("\r\n\t ");
            }
            out.append(b64, i, Math.min(b64.length(), i + 72));
        }
        return out.append("\r\n").toString();
    }

    /** The next instance of a field, counting from the bottom (RFC 6376 §5.4.2). */
    private static HeaderBlock.Field fromBottom(HeaderBlock header, String name, Map<String, Integer> used) {
        int skip = used.merge(name, 1, Integer::sum) - 1;
        List<HeaderBlock.Field> fs = header.fields();
        for (int i = fs.size() - 1; i >= 0; i--) {
            if (fs.get(i).name().toLowerCase(Locale.ROOT).equals(name)) {
                if (skip-- == 0) {
                    return fs.get(i);
                }
            }
        }
        return null;
    }

    /** RFC 6376 §3.4.2: lower-case name, unfolded, runs of WSP as one SP, none around the colon or at the end. */
    static String relaxedHeader(String raw) {
        int colon = raw.indexOf(':');
        String name = raw.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String v = raw.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
        return name + ":" + v + "\r\n";
    }

    private static byte[] sign(DkimKey key, byte[] data) {
        try {
            if (key.algorithm() == DkimKey.Algorithm.ED25519_SHA256) {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key.signingKey());
                s.update(sha256().digest(data));
                return s.sign();
            }
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.signingKey());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + key, e);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
