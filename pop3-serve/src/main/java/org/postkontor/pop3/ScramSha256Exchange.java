package org.postkontor.pop3;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.postkontor.store.Accounts;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.StoreException;

/**
 * SASL SCRAM-SHA-256 server side (RFC 5802 §5, RFC 7677) from stored keys: the server never sees
 * the password. Channel binding ({@code p=}) is not offered, so a client asking for it fails and
 * {@code y} is accepted. An unknown user gets a made-up salt derived from a per-server secret, so
 * the exchange looks the same for users that do and do not exist, and fails at the proof.
 */
final class ScramSha256Exchange implements SaslExchange {

    private static final int NONCE_BYTES = 24;

    private final Accounts accounts;
    private final SecureRandom random;
    private final byte[] fakeSaltSecret;

    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String login;
    private ScramCredential credential;
    private boolean known;
    private byte[] serverSignature;
    private boolean verified;

    ScramSha256Exchange(Accounts accounts, SecureRandom random, byte[] fakeSaltSecret) {
        this.accounts = accounts;
        this.random = random;
        this.fakeSaltSecret = fakeSaltSecret;
    }

    @Override
    public String label() {
        return "scram_sha_256";
    }

    @Override
    public SaslStep start(byte[] initialResponse) throws StoreException {
        if (initialResponse == null || initialResponse.length == 0) {
            return new SaslStep.Challenge(new byte[0]);
        }
        return respond(initialResponse);
    }

    @Override
    public SaslStep respond(byte[] response) throws StoreException {
        String r = PlainExchange.utf8(response);
        if (r == null) {
            return new SaslStep.Failed(login, false, "malformed SCRAM message");
        }
        if (serverFirst == null) {
            return clientFirst(r);
        }
        if (!verified) {
            return clientFinal(r);
        }
        // RFC 5034 §4: after the server's final message the client answers with an empty response.
        if (!r.isEmpty()) {
            return new SaslStep.Failed(login, false, "expected an empty response");
        }
        return new SaslStep.Verified(login);
    }

    private SaslStep clientFirst(String r) throws StoreException {
        if (r.isEmpty()) {
            return new SaslStep.Challenge(new byte[0]);
        }
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        int c1 = r.indexOf(',');
        int c2 = c1 < 0 ? -1 : r.indexOf(',', c1 + 1);
        if (c2 < 0) {
            return malformed();
        }
        String flag = r.substring(0, c1);
        if (flag.startsWith("p=")) {
            return new SaslStep.Failed(null, false, "channel binding is not supported");
        }
        if (!flag.equals("n") && !flag.equals("y")) {
            return malformed();
        }
        String authzid = r.substring(c1 + 1, c2);
        gs2Header = r.substring(0, c2 + 1);
        clientFirstBare = r.substring(c2 + 1);
        String[] attrs = clientFirstBare.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
            return malformed();
        }
        if (clientFirstBare.startsWith("m=")) {
            return malformed();
        }
        String user = unescape(attrs[0].substring(2));
        String clientNonce = attrs[1].substring(2);
        if (user == null || user.isEmpty() || clientNonce.isEmpty() || !printable(clientNonce)) {
            return malformed();
        }
        if (!authzid.isEmpty()) {
            String az = authzid.startsWith("a=") ? unescape(authzid.substring(2)) : null;
            if (az == null || !az.equalsIgnoreCase(user)) {
                return new SaslStep.Failed(user, true, "authorization identity must be empty or your own");
            }
        }
        login = user;
        Optional<ScramCredential> stored = accounts.scramCredential(user);
        known = stored.isPresent();
        credential = stored.orElseGet(() -> fake(user));
        byte[] nb = new byte[NONCE_BYTES];
        random.nextBytes(nb);
        nonce = clientNonce + Base64.getEncoder().encodeToString(nb);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt())
                + ",i=" + credential.iterations();
        return new SaslStep.Challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
    }

    private SaslStep clientFinal(String r) {
        int p = r.lastIndexOf(",p=");
        if (p < 0) {
            return malformed();
        }
        String withoutProof = r.substring(0, p);
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) {
            return malformed();
        }
        byte[] cbind;
        byte[] proof;
        try {
            cbind = Base64.getDecoder().decode(attrs[0].substring(2));
            proof = Base64.getDecoder().decode(r.substring(p + 3));
        } catch (IllegalArgumentException e) {
            return malformed();
        }
        if (!Arrays.equals(cbind, gs2Header.getBytes(StandardCharsets.UTF_8))
                || !attrs[1].substring(2).equals(nonce) || proof.length != 32) {
            return new SaslStep.Failed(login, false, "SCRAM channel binding or nonce mismatch");
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] am = authMessage.getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramCredential.hmac(credential.storedKey(), am);
        byte[] clientKey = new byte[32];
        for (int i = 0; i < 32; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        boolean ok = MessageDigest.isEqual(ScramCredential.sha256(clientKey), credential.storedKey()) && known;
        if (!ok) {
            return new SaslStep.Failed(login, true, "bad credentials");
        }
        serverSignature = ScramCredential.hmac(credential.serverKey(), am);
        verified = true;
        String serverFinal = "v=" + Base64.getEncoder().encodeToString(serverSignature);
        return new SaslStep.Challenge(serverFinal.getBytes(StandardCharsets.UTF_8));
    }

    private SaslStep malformed() {
        return new SaslStep.Failed(login, false, "malformed SCRAM message");
    }

    private ScramCredential fake(String user) {
        byte[] salt = Arrays.copyOf(ScramCredential.hmac(fakeSaltSecret,
                user.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8)), 16);
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        random.nextBytes(k1);
        random.nextBytes(k2);
        return new ScramCredential(salt, ScramCredential.DEFAULT_ITERATIONS, k1, k2);
    }

    /** saslname: "=2C" is ",", "=3D" is "="; any other "=" is malformed (RFC 5802 §5.1). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                if (s.startsWith("=2C", i)) {
                    b.append(',');
                } else if (s.startsWith("=3D", i)) {
                    b.append('=');
                } else {
                    return null;
                }
                i += 2;
            } else if (c == ',' || c == 0) {
                return null;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean printable(String s) {
        return s.chars().allMatch(c -> c >= 0x21 && c <= 0x7e && c != ',');
    }
}
