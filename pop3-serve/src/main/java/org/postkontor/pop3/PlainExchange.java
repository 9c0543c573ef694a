package org.postkontor.pop3;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** SASL PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd} in one response. */
final class PlainExchange implements SaslExchange {

    @Override
    public String label() {
        return "plain";
    }

    @Override
    public SaslStep start(byte[] initialResponse) {
        if (initialResponse == null) {
            return new SaslStep.Challenge(new byte[0]);
        }
        return respond(initialResponse);
    }

    @Override
    public SaslStep respond(byte[] r) {
        int first = indexOf(r, 0);
        int second = first < 0 ? -1 : indexOf(r, first + 1);
        if (first < 0 || second < 0 || indexOf(r, second + 1) >= 0) {
            return new SaslStep.Failed(null, false, "malformed PLAIN response");
        }
        String authzid = utf8(Arrays.copyOfRange(r, 0, first));
        String authcid = utf8(Arrays.copyOfRange(r, first + 1, second));
        char[] password = utf8Chars(Arrays.copyOfRange(r, second + 1, r.length));
        Arrays.fill(r, (byte) 0);
        if (authzid == null || authcid == null || password == null || authcid.isEmpty()) {
            return new SaslStep.Failed(null, false, "malformed PLAIN response");
        }
        if (!authzid.isEmpty() && !authzid.equalsIgnoreCase(authcid)) {
            return new SaslStep.Failed(authcid, true, "authorization identity must be empty or your own");
        }
        return new SaslStep.Credentials(authcid, password);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    static String utf8(byte[] b) {
        char[] c = utf8Chars(b);
        return c == null ? null : new String(c);
    }

    /** Strict UTF-8 decoding; null if malformed. */
    static char[] utf8Chars(byte[] b) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
