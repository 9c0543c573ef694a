package org.postkontor.store;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One DKIM key pair of a domain.
 *
 * @param selector   the DNS label under {@code _domainkey} (RFC 6376 §3.1)
 * @param privateKey PKCS#8 DER
 * @param publicKey  X.509 SubjectPublicKeyInfo DER
 */
public record DkimKey(String domain, String selector, Algorithm algorithm, byte[] privateKey, byte[] publicKey,
                      Instant created) {

    private static final Pattern SELECTOR = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** RSA keys of 2048 bits: what every receiver verifies and most DNS providers take in one TXT record. */
    public static final int RSA_BITS = 2048;

    /** The signing algorithms, with their RFC names. */
    public enum Algorithm {
        RSA_SHA256("rsa-sha256", "rsa", "RSA"),
        ED25519_SHA256("ed25519-sha256", "ed25519", "Ed25519");

        private final String tag;
        private final String keyType;
        private final String jca;

        Algorithm(String tag, String keyType, String jca) {
            this.tag = tag;
            this.keyType = keyType;
            this.jca = jca;
        }

        /** The {@code a=} value of a signature. */
        public String tag() {
            return tag;
        }

        /** The {@code k=} value of the key record. */
        public String keyType() {
            return keyType;
        }

        public static Algorithm ofTag(String tag) {
            for (Algorithm a : values()) {
                if (a.tag.equals(tag)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("not a DKIM algorithm: " + tag);
        }
    }

    public DkimKey {
        domain = MailAddress.normalizeDomain(Objects.requireNonNull(domain, "domain"));
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(created, "created");
        if (selector == null || !SELECTOR.matcher(selector).matches()) {
            throw new IllegalArgumentException("a selector is 1 to 63 lower-case letters, digits and '-'");
        }
        privateKey = privateKey.clone();
        publicKey = publicKey.clone();
    }

    /** A new key pair from the JDK's providers. */
    public static DkimKey generate(String domain, String selector, Algorithm algorithm, Instant created) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.jca);
            if (algorithm == Algorithm.RSA_SHA256) {
                g.initialize(RSA_BITS);
            }
            KeyPair p = g.generateKeyPair();
            return new DkimKey(domain, selector, algorithm, p.getPrivate().getEncoded(), p.getPublic().getEncoded(),
                    created);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make " + algorithm.jca + " keys", e);
        }
    }

    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The private key for {@link java.security.Signature}. */
    public PrivateKey signingKey() {
        try {
            return KeyFactory.getInstance(algorithm.jca).generatePrivate(new PKCS8EncodedKeySpec(privateKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unreadable " + algorithm.jca + " key for " + domain, e);
        }
    }

    /** The owner name of the key record: {@code <selector>._domainkey.<domain>}. */
    public String recordName() {
        return selector + "._domainkey." + domain;
    }

    /**
     * The key record's text (RFC 6376 §3.6.1): {@code p=} is the SubjectPublicKeyInfo for RSA and
     * the raw 32-octet key for Ed25519 (RFC 8463 §4).
     */
    public String recordValue() {
        byte[] p = algorithm == Algorithm.ED25519_SHA256
                ? Arrays.copyOfRange(publicKey, publicKey.length - 32, publicKey.length) : publicKey;
        return "v=DKIM1; k=" + algorithm.keyType + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DkimKey k && k.domain.equals(domain) && k.selector.equals(selector)
                && k.algorithm == algorithm && Arrays.equals(k.privateKey, privateKey)
                && Arrays.equals(k.publicKey, publicKey) && k.created.equals(created);
    }

    @Override
    public int hashCode() {
        return Objects.hash(domain, selector, algorithm, Arrays.hashCode(publicKey));
    }

    @Override
    public String toString() {
        return "DkimKey[" + recordName() + " " + algorithm.tag.toLowerCase(Locale.ROOT) + "]";
    }
}
