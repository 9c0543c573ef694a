package org.postkontor.deploy.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate of the embedded default: made once, on first start, under {@code <data.dir>/tls/}
 * ({@code cert.pem}, {@code key.pem} readable by the owner only), then reused. EC P-256, valid for
 * ten years, for the server's host name, {@code localhost}, 127.0.0.1 and ::1.
 */
public final class SelfSignedCertificate {
    private SelfSignedCertificate() {}

    public static final Duration VALIDITY = Duration.ofDays(3650);

    /** Paths {cert, key}; creates them if either is missing. Returns whether it made new ones. */
    /** Where {@link #ensure} keeps the certificate in {@code dir}. */
    public static Path certFileIn(Path dir) {
        return dir.resolve("cert.pem");
    }

    public static boolean ensure(Path dir, String hostname, Clock clock) throws TlsException {
        Path cert = certFileIn(dir);
        Path key = dir.resolve("key.pem");
        if (Files.isRegularFile(cert) && Files.isRegularFile(key)) {
            return false;
        }
        Generator.make(dir, cert, key, hostname, clock);
        return true;
    }

    /**
     * The BouncyCastle part, in a class of its own: loading a class that names BouncyCastle's
     * types makes the JVM verify its signed jars (a few hundred ms), which a start that finds the
     * files in place should not pay.
     */
    private static final class Generator {
        static void make(Path dir, Path cert, Path key, String hostname, Clock clock) throws TlsException {
            try {
                Files.createDirectories(dir);
                KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
                gen.initialize(256, new SecureRandom());
                KeyPair kp = gen.generateKeyPair();
                Instant now = clock.instant();
                X500Name name = new X500Name("CN=" + hostname + ", O=Postkontor self-signed");
                var b = new JcaX509v3CertificateBuilder(name, new BigInteger(128, new SecureRandom()),
                        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
                List<GeneralName> sans = new ArrayList<>();
                sans.add(new GeneralName(GeneralName.dNSName, hostname));
                if (!hostname.equals("localhost")) {
                    sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
                }
                sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
                sans.add(new GeneralName(GeneralName.iPAddress, "::1"));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                X509Certificate c = new JcaX509CertificateConverter()
                        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
                writeAtomically(key, pem(new JcaPKCS8Generator(kp.getPrivate(), null)), true);
                writeAtomically(cert, pem(c), false);
            } catch (IOException e) {
                throw new TlsException("cannot write the self-signed certificate under " + dir + ": " + e.getMessage(), e);
            } catch (Exception e) {
                throw new TlsException("cannot make a self-signed certificate: " + e.getMessage(), e);
            }
        }

        private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            if (secret && tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(tmp, text);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        private static String pem(Object o) throws IOException {
            StringWriter sw = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
                w.writeObject(o);
            }
            return sw.toString();
        }
    }
}
