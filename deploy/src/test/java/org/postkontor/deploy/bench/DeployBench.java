package org.postkontor.deploy.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.deploy.tls.CertificateSource;
import org.postkontor.deploy.tls.Handshakes;
import org.postkontor.deploy.tls.TlsEvents;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TestCertificates;

/**
 * Prints what the deploy layer costs: appliance start-up (store, TLS, listeners, HTTP), one
 * {@code /metrics} scrape over HTTP, and TLS handshakes through the policy/reload wrapper against
 * the JDK context underneath. Run:
 * {@code mvn -q -pl deploy -am test-compile exec... } or from the IDE; see BENCHMARKS.md.
 */
public final class DeployBench {
    private DeployBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path dir = Files.createTempDirectory("postkontor-bench-");
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        long t0 = System.nanoTime();
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
        try (Appliance a = Appliance.start(config, Clock.systemUTC(), new PlainTestHasher())) {
            System.out.printf("start-up (first start, self-signed certificate made): %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            HttpClient http = HttpClient.newHttpClient();
            URI metrics = URI.create("http://127.0.0.1:" + a.address("http").orElseThrow().getPort() + "/metrics");
            double[] ms = new double[rounds];
            int bytes = 0;
            for (int i = 0; i < rounds; i++) {
                long s = System.nanoTime();
                bytes = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body().length();
                ms[i] = (System.nanoTime() - s) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("/metrics scrape over HTTP (%d rounds, %d bytes): median %.2f ms, p99 %.2f ms%n", rounds, bytes,
                    ms[rounds / 2], ms[(int) (rounds * 0.99)]);
        }
        long t1 = System.nanoTime();
        try (Appliance a = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(),
                new PlainTestHasher())) {
            System.out.printf("start-up (restart on the same data): %.0f ms%n", (System.nanoTime() - t1) / 1e6);
        }

        Path pem = dir.resolve("pem");
        Path[] files = TestCertificates.selfSigned("bench.example.test").writePem(pem);
        try (CertificateSource source = CertificateSource.open(Optional.of(files[0]), Optional.of(files[1]), pem,
                "bench.example.test", "modern", Clock.systemUTC(), TlsEvents.NOOP)) {
            SSLContext wrapped = source.contextFor("pop3");
            SSLContext raw = TestCertificates.selfSigned("bench.example.test").serverContext();
            for (int warm = 0; warm < 2; warm++) {
                double w = rate(wrapped, rounds);
                double r = rate(raw, rounds);
                if (warm == 1) {
                    System.out.printf("TLS 1.3 handshakes in memory (engines, %d each): policy/reload context %.0f/s,"
                            + " plain JDK context %.0f/s%n", rounds, w, r);
                }
            }
        }
    }

    private static double rate(SSLContext ctx, int n) throws Exception {
        long s = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Handshakes.betweenEngines(ctx);
        }
        return n / ((System.nanoTime() - s) / 1e9);
    }
}
