package org.postkontor.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SCRAM-SHA-256 keys (RFC 5802 §3, RFC 7677) kept beside the password hash, so that SASL
 * SCRAM-SHA-256 never needs the plaintext.
 */
public record ScramCredential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {

    /** RFC 7677 §4 recommends at least 4096. */
    public static final int DEFAULT_ITERATIONS = 4096;

    public ScramCredential {
        if (salt.length < 8 || iterations < 4096 || storedKey.length != 32 || serverKey.length != 32) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 credential");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /** Derives the keys from a password (already SASLprep'ed by the caller where it matters). */
    public static ScramCredential derive(char[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = sha256(clientKey);
        byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredential(salt, iterations, storedKey, serverKey);
    }

    /** Hi() of RFC 5802 §2.2: PBKDF2 with HMAC-SHA-256. */
    public static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            return f.generateSecret(new PBEKeySpec(password, salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 missing from this JDK", e);
        }
    }

    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from this JDK", e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 missing from this JDK", e);
        }
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredential s && iterations == s.iterations && Arrays.equals(salt, s.salt)
                && Arrays.equals(storedKey, s.storedKey) && Arrays.equals(serverKey, s.serverKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(storedKey);
    }

    @Override
    public String toString() {
        return "ScramCredential[iterations=" + iterations + "]";
    }
}
