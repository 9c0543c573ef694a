package org.postkontor.deploy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.store.testing.PlainTestHasher;

/** /health/ready says which check fails: here every volume is below an impossible free-disk reserve. */
class ReadinessTest {

    @TempDir
    Path dir;

    @Test
    void diskBelowTheReserveIsNotReadyAndSaysWhich() throws Exception {
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        env.put("POSTKONTOR_STORE_FREE_DISK_RESERVE", "1024TiB");
        env.put("POSTKONTOR_SMTP_ENABLED", "false");
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        try (Appliance a = Appliance.start(config, Clock.systemUTC(), new PlainTestHasher())) {
            String base = "http://127.0.0.1:" + a.address("http").orElseThrow().getPort();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode());
            for (String volume : new String[] {"spool", "index", "badmail"}) {
                assertTrue(r.body().contains("disk " + volume + ": ") && r.body().contains("reserve 1024.0 TiB"),
                        r.body());
            }
            assertTrue(a.address("smtp").isEmpty(), "smtp.enabled=false starts no SMTP listener");
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }
}
