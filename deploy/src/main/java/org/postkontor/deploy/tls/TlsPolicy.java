package org.postkontor.deploy.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLParameters;

/**
 * Which protocol versions and cipher suites every engine and socket may use. TLS 1.3 and 1.2 only,
 * always. {@code modern} (the default) is Mozilla's "intermediate" list: forward-secret AEAD
 * suites. {@code compatible} adds TLS 1.2 CBC and static-RSA suites for old mail clients. Suites
 * the running JDK does not support or has disabled are simply not offered. The server's order wins.
 */
public record TlsPolicy(String name, List<String> protocols, List<String> cipherSuites) {

    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final List<String> MODERN = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");

    private static final List<String> COMPATIBLE_EXTRA = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA");

    public TlsPolicy {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        if (!PROTOCOLS.containsAll(protocols) || protocols.isEmpty()) {
            throw new IllegalArgumentException("only TLSv1.3 and TLSv1.2 are allowed");
        }
        if (cipherSuites.isEmpty()) {
            throw new IllegalArgumentException("no cipher suite");
        }
    }

    /** The named profile ({@code modern} or {@code compatible}), limited to what {@code supported} offers. */
    public static TlsPolicy named(String name, String[] supportedSuites) {
        List<String> wanted = new ArrayList<>(MODERN);
        if (name.equals("compatible")) {
            wanted.addAll(COMPATIBLE_EXTRA);
        } else if (!name.equals("modern")) {
            throw new IllegalArgumentException("tls.profile must be modern or compatible");
        }
        Set<String> supported = Set.of(supportedSuites);
        wanted.removeIf(s -> !supported.contains(s));
        return new TlsPolicy(name, PROTOCOLS, wanted);
    }

    /** {@code requested} limited to this policy, in the policy's order; the whole policy if nothing is left. */
    public String[] restrictSuites(String[] requested) {
        return restrict(cipherSuites, requested);
    }

    public String[] restrictProtocols(String[] requested) {
        return restrict(protocols, requested);
    }

    private static String[] restrict(List<String> allowed, String[] requested) {
        if (requested == null) {
            return allowed.toArray(String[]::new);
        }
        Set<String> req = new LinkedHashSet<>(Arrays.asList(requested));
        String[] out = allowed.stream().filter(req::contains).toArray(String[]::new);
        return out.length == 0 ? allowed.toArray(String[]::new) : out;
    }

    /** Copies {@code p} with protocols and suites limited to this policy and the server's order preferred. */
    public SSLParameters apply(SSLParameters p) {
        p.setProtocols(restrictProtocols(p.getProtocols()));
        p.setCipherSuites(restrictSuites(p.getCipherSuites()));
        p.setUseCipherSuitesOrder(true);
        return p;
    }

    /** Fresh parameters: exactly this policy. */
    public SSLParameters parameters() {
        SSLParameters p = new SSLParameters(cipherSuites.toArray(String[]::new), protocols.toArray(String[]::new));
        p.setUseCipherSuitesOrder(true);
        return p;
    }
}
