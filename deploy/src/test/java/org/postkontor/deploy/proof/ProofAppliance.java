package org.postkontor.deploy.proof;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.PasswordHasher;

/**
 * The real appliance in this JVM on 127.0.0.1 port 0s (as {@link TestEnv} sets it), with extra
 * POSTKONTOR_* settings and the domain {@code example.test}.
 */
final class ProofAppliance implements AutoCloseable {

    final Appliance appliance;

    private ProofAppliance(Appliance appliance) {
        this.appliance = appliance;
    }

    static ProofAppliance start(Path dir, Map<String, String> extraEnv, PasswordHasher hasher) throws Exception {
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        env.putAll(extraEnv);
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
        Appliance a = Appliance.start(config, Clock.systemUTC(), hasher);
        a.store().admin().addDomain("example.test");
        return new ProofAppliance(a);
    }

    void addUser(String address, String password) throws Exception {
        appliance.store().admin().addUser(MailAddress.parse(address), password.toCharArray(), Quota.NONE);
    }

    int port(String name) {
        return appliance.address(name).orElseThrow().getPort();
    }

    /** The text of /metrics. */
    String metrics() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("http") + "/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of one exact series in Prometheus text, 0 if absent. */
    static double value(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(0.0);
    }

    @Override
    public void close() {
        appliance.close();
    }
}
