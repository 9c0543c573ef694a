package org.postkontor.deploy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
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
        List<X509Certificate> chain = readChainFast(certFile);
        if (chain.isEmpty()) {
            chain = Bc.readChain(certFile);
        }
        PrivateKey key = readPkcs8(keyFile);
        if (key == null) {
            key = Bc.readKey(keyFile);
        }
        if (!matches(chain.get(0), key)) {
            throw new TlsException("the key in " + keyFile + " does not belong to the first certificate in " + certFile);
        }
        return new PemCredentials(chain, key);
    }

    // ---- the usual files (X.509 certificates, PKCS#8 key: what Let's Encrypt and our own
    // self-signed certificate write) are read with the JDK alone. BouncyCastle's signed jars cost
    // a verification of their manifests when its first class loads (a few hundred ms of a start,
    // and an AOT cache cannot hold them), so it is kept for the older key formats (PKCS#1, SEC1),
    // encrypted keys and what the JDK cannot read, which take the paths below.

    /** The CERTIFICATE blocks of {@code file}, read by the JDK; empty if it has none. */
    static List<X509Certificate> readChainFast(Path file) throws TlsException {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(file, "CERTIFICATE")) {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (IOException | CertificateException | IllegalArgumentException e) {
            throw new TlsException("cannot read the certificate chain in " + file + ": " + e.getMessage(), e);
        }
        return chain;
    }

    /**
     * The key of the first block of {@code file} if that is an unencrypted PKCS#8 key ({@code
     * BEGIN PRIVATE KEY}) of an algorithm the JDK knows; null for any other file, which the
     * BouncyCastle path then reads or refuses with its reason.
     */
    static PrivateKey readPkcs8(Path file) throws TlsException {
        String first;
        List<byte[]> keys;
        try {
            first = firstBlockLabel(file);
            if (!"PRIVATE KEY".equals(first)) {
                return null;
            }
            keys = blocks(file, "PRIVATE KEY");
        } catch (IOException | IllegalArgumentException e) {
            throw new TlsException("cannot read the private key in " + file + ": " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            return null;
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0));
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        return null;
    }

    private static final String BEGIN = "-----BEGIN ";
    private static final String DASHES = "-----";

    /** The label of the first PEM block in {@code file} ("PRIVATE KEY", ...), or null. */
    private static String firstBlockLabel(Path file) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String l = line.strip();
            if (l.startsWith(BEGIN) && l.endsWith(DASHES) && l.length() > BEGIN.length() + DASHES.length()) {
                return l.substring(BEGIN.length(), l.length() - DASHES.length());
            }
        }
        return null;
    }

    /** The decoded contents of every block labelled {@code label} in {@code file}, in order. */
    private static List<byte[]> blocks(Path file, String label) throws IOException {
        List<byte[]> out = new ArrayList<>();
        String begin = BEGIN + label + DASHES;
        String end = "-----END " + label + DASHES;
        StringBuilder b64 = null;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String l = line.strip();
            if (b64 == null) {
                if (l.equals(begin)) {
                    b64 = new StringBuilder();
                }
            } else if (l.equals(end)) {
                out.add(Base64.getMimeDecoder().decode(b64.toString()));
                b64 = null;
            } else if (l.contains(":")) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED): not a plain block; the BouncyCastle path says why
                return List.of();
            } else {
                b64.append(l);
            }
        }
        return out;
    }

    private static boolean matches(X509Certificate cert, PrivateKey key) {
        if (key instanceof RSAPrivateKey rsa && cert.getPublicKey() instanceof RSAPublicKey pub) {
            // same modulus: the pair; no RSA signature at start (big-integer work, slow in a cold JVM)
            return rsa.getModulus().equals(pub.getModulus());
        }
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

    /** The BouncyCastle paths, in a class of their own so that only files that need them load it. */
    private static final class Bc {
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
    }
}
