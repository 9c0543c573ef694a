package org.postkontor.deploy.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A certificate chain and its private key, read from PEM files as Let's Encrypt writes them
 * ({@code fullchain.pem}, {@code privkey.pem}). Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}); encrypted keys are
 * refused. The key must match the first certificate.
 */
public record PemCredentials(List<X509Certificate> chain, PrivateKey key) {

    public PemCredentials {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Reads and checks both files; the message of {@link TlsException} says which file and why. */
    public static PemCredentials read(Path certFile, Path keyFile) throws TlsException {
        List<X509Certificate> chain = readChain(certFile);
        PrivateKey key = readKey(keyFile);
        if (!matches(chain.get(0), key)) {
            throw new TlsException("the key in " + keyFile + " does not belong to the first certificate in " + certFile);
        }
        return new PemCredentials(chain, key);
    }

    static List<X509Certificate> readChain(Path file) throws TlsException {
        List<X509Certificate> chain = new ArrayList<>();
        var converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(converter.getCertificate(h));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new TlsException("cannot read the certificate chain in " + file + ": " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new TlsException("no BEGIN CERTIFICATE block in " + file);
        }
        return chain;
    }

    static PrivateKey readKey(Path file) throws TlsException {
        var converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    // PKCS#1 or SEC1; a SEC1 key may come without its public half, so take only the private part.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new TlsException("the key in " + file + " is encrypted; give an unencrypted key"
                            + " (openssl pkey -in KEY -out KEY.plain), readable only by the appliance");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new TlsException("cannot read the private key in " + file + ": " + e.getMessage(), e);
        }
        throw new TlsException("no private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY) in " + file);
    }

    private static boolean matches(X509Certificate cert, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (alg == null) {
            return cert.getPublicKey().getAlgorithm().equals(key.getAlgorithm());
        }
        try {
            byte[] probe = "postkontor key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A server {@link SSLContext} (protocol "TLS") presenting this chain. */
    public SSLContext serverContext() throws TlsException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "in-memory".toCharArray();
            try {
                ks.setKeyEntry("server", key, pw, chain.toArray(X509Certificate[]::new));
            } catch (java.security.KeyStoreException e) {
                throw new TlsException("the certificates do not form a chain (each must be signed by the next,"
                        + " leaf first, as in Let's Encrypt's fullchain.pem): " + e.getMessage(), e);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException("cannot build a TLS context from the certificate: " + e.getMessage(), e);
        }
    }
}
