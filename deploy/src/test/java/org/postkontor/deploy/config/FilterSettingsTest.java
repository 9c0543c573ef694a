package org.postkontor.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.smtp.DnsblConfig;
import org.postkontor.smtp.Network;
import org.postkontor.smtp.filter.Filtering;

/** {@code filter.*}, {@code smtp.dnsbl-*} and {@code dns.servers}: off by default, set from file or environment, mistakes named. */
class FilterSettingsTest {

    @TempDir
    Path dir;

    @Test
    void theEmbeddedDefaultFiltersNothingAndChecksNoDnsbl() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.empty(), Map.of());
        assertFalse(c.filter().enabled());
        assertEquals(Duration.ofSeconds(10), c.filter().timeout());
        assertEquals(Filtering.OnError.TEMPFAIL, c.filter().onError());
        assertEquals(OptionalDouble.empty(), c.filter().quarantineScore());
        assertEquals(List.of("CLAM_VIRUS"), c.filter().virusSymbols());
        assertFalse(c.smtpConfig().dnsbl().enabled());
        assertTrue(c.smtpConfig().dnsbl().allow().contains(Network.parse("127.0.0.0/8")));
    }

    @Test
    void fileAndEnvironmentTurnThemOn() throws Exception {
        Path f = Files.writeString(dir.resolve("p.properties"), """
                filter.rspamd-url=http://127.0.0.1:11333
                filter.on-error=accept
                filter.quarantine-score=9.5
                smtp.dnsbl-zones=zen.spamhaus.org, bl.example.net
                smtp.dnsbl-allow=203.0.113.0/24
                smtp.dnsbl-reject-at=connect
                dns.servers=127.0.0.1:5353
                """);
        ApplianceConfig c = ApplianceConfig.load(Optional.of(f), Map.of("POSTKONTOR_FILTER_TIMEOUT", "3s"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:11333")), c.filter().rspamdUrl());
        assertEquals(Duration.ofSeconds(3), c.filter().timeout());
        assertEquals(Filtering.OnError.ACCEPT, c.filter().onError());
        assertEquals(OptionalDouble.of(9.5), c.filter().quarantineScore());
        DnsblConfig d = c.smtpConfig().dnsbl();
        assertEquals(List.of("zen.spamhaus.org", "bl.example.net"), d.zones());
        assertEquals(List.of(Network.parse("203.0.113.0/24")), d.allow());
        assertEquals(DnsblConfig.RejectAt.CONNECT, d.rejectAt());
        assertEquals(5353, d.servers().get(0).getPort());
    }

    @Test
    void mistakesNameTheirKey() throws Exception {
        Path f = Files.writeString(dir.resolve("p.properties"), """
                filter.rspamd-url=ftp://rspamd
                filter.on-error=drop
                filter.quarantine-score=lots
                smtp.dnsbl-zones=not a zone
                smtp.dnsbl-allow=10.0.0.0/33
                dns.servers=no such host!
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ApplianceConfig.load(Optional.of(f), Map.of()));
        String all = String.join("\n", e.problems());
        for (String key : List.of("filter.rspamd-url", "filter.on-error", "filter.quarantine-score", "smtp.dnsbl-zones",
                "smtp.dnsbl-allow", "dns.servers")) {
            assertTrue(all.contains(key), key + " not named in:\n" + all);
        }
    }
}
