package org.postkontor.deploy.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;

/** Test certificates in the PEM shapes Let's Encrypt and OpenSSL write. */
final class Pki {

    enum KeyFormat { PKCS8, TRADITIONAL, ENCRYPTED_PKCS8 }

    final KeyPair keys;
    final X509Certificate cert;

    private Pki(KeyPair keys, X509Certificate cert) {
        this.keys = keys;
        this.cert = cert;
    }

    static Pki create(String cn, String algorithm) throws Exception {
        return create(cn, algorithm, null);
    }

    /** Signed by {@code issuer}, or self-signed when it is null. */
    static Pki create(String cn, String algorithm, Pki issuer) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(algorithm.equals("RSA") ? 2048 : 256);
        KeyPair kp = g.generateKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + cn);
        X500Name issuerName = issuer == null ? name : X500Name.getInstance(issuer.cert.getSubjectX500Principal().getEncoded());
        var b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(2, ChronoUnit.DAYS)), name, kp.getPublic());
        var signingKey = issuer == null ? kp.getPrivate() : issuer.keys.getPrivate();
        String sig = signingKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        X509Certificate c = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder(sig).build(signingKey)));
        return new Pki(kp, c);
    }

    /** Writes cert.pem and key.pem the way certbot renews: new files, then an atomic rename over the old. */
    void write(Path dir, KeyFormat format) throws Exception {
        Files.createDirectories(dir);
        replace(dir.resolve("cert.pem"), pem(cert));
        if (format == KeyFormat.TRADITIONAL) {
            replace(dir.resolve("key.pem"), traditional(pem(new JcaPKCS8Generator(keys.getPrivate(), null)), dir));
            return;
        }
        Object key = format == KeyFormat.PKCS8 ? new JcaPKCS8Generator(keys.getPrivate(), null)
                : new JcaPKCS8Generator(keys.getPrivate(),
                        new JceOpenSSLPKCS8EncryptorBuilder(PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC)
                                .setPassword("pw".toCharArray()).build());
        replace(dir.resolve("key.pem"), pem(key));
    }

    /** PKCS#1 (RSA) or SEC1 (EC) exactly as OpenSSL writes it: {@code openssl pkey -traditional}. */
    private static String traditional(String pkcs8, Path dir) throws Exception {
        Path in = Files.createTempFile(dir, "pkcs8", ".pem");
        Files.writeString(in, pkcs8);
        Process p = new ProcessBuilder("openssl", "pkey", "-in", in.toString(), "-traditional")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl pkey failed: " + out);
        }
        Files.delete(in);
        return out;
    }

    private static void replace(Path target, String text) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".new");
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String pem(Object o) throws Exception {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }
}
