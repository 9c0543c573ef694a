package org.postkontor.admin.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.postkontor.admin.api.AdminError;

/**
 * TLS to the appliance's own admin listener: the server must present exactly the certificate in
 * the appliance's PEM file (the leaf, first in the file). Pinning the one certificate is stronger
 * than a CA check, and needs no host name: the CLI connects to 127.0.0.1 while the certificate
 * names the mail host. A certificate reloaded by the appliance is read again at the next call.
 */
final class PinnedCertificate extends X509ExtendedTrustManager {

    private final X509Certificate expected;

    private PinnedCertificate(X509Certificate expected) {
        this.expected = expected;
    }

    static SSLContext context(Path pem) throws AdminError {
        try (InputStream in = Files.newInputStream(pem)) {
            X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new PinnedCertificate(leaf)}, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw AdminError.unavailable("cannot read the appliance's certificate " + pem + ": " + e.getMessage());
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || !chain[0].equals(expected)) {
            throw new CertificateException("the admin listener does not present the appliance's certificate");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
