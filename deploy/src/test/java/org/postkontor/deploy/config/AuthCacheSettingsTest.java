package org.postkontor.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.StoreConfig;

/** {@code auth.cache-ttl} and {@code auth.cache-size} reach the store's config, and bad values stop the start. */
class AuthCacheSettingsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreOneHourAndTenThousandUsers() throws Exception {
        StoreConfig sc = ApplianceConfig.load(Optional.empty(), Map.of()).store();
        assertEquals(Duration.ofHours(1), sc.authCacheTtl());
        assertEquals(10_000, sc.authCacheSize());
        assertEquals(StoreConfig.DEFAULT_AUTH_CACHE_TTL, sc.authCacheTtl());
        assertEquals(StoreConfig.DEFAULT_AUTH_CACHE_SIZE, sc.authCacheSize());
    }

    @Test
    void fileAndEnvironmentSetThem() throws Exception {
        Path f = Files.writeString(dir.resolve("p.properties"), "auth.cache-ttl=10m\nauth.cache-size=50\n");
        StoreConfig sc = ApplianceConfig.load(Optional.of(f), Map.of()).store();
        assertEquals(Duration.ofMinutes(10), sc.authCacheTtl());
        assertEquals(50, sc.authCacheSize());
        sc = ApplianceConfig.load(Optional.of(f), Map.of("POSTKONTOR_AUTH_CACHE_TTL", "0")).store();
        assertEquals(Duration.ZERO, sc.authCacheTtl(), "0 turns the cache off");
    }

    @Test
    void badValuesAreNamed() throws Exception {
        Path f = Files.writeString(dir.resolve("p.properties"), "auth.cache-ttl=2d\nauth.cache-size=0\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ApplianceConfig.load(Optional.of(f), Map.of()));
        assertEquals(2, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).contains("auth.cache-ttl"), e.problems().toString());
        assertTrue(e.problems().get(1).contains("auth.cache-size"), e.problems().toString());
    }
}
