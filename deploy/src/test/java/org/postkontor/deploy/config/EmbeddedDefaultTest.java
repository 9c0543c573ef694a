package org.postkontor.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDefaultTest {

    @Test
    void noConfigAtAllGivesTheEmbeddedDefault() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.empty(), Map.of());
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals(Path.of("./data/spool"), c.store().spoolDir());
        assertEquals(Path.of("./data/index"), c.store().indexDir());
        assertEquals(Path.of("./data/badmail"), c.store().badmailDir());
        assertEquals(Path.of("./data/tls"), c.tls().selfSignedDir());
        assertEquals(Path.of("./data/postkontor.pid"), c.pidFile());
        assertEquals(10025, c.smtp().port());
        assertEquals(10110, c.pop3().port());
        assertEquals(10995, c.pop3s().port());
        assertEquals(8080, c.http().port());
        assertEquals("127.0.0.1", c.http().bind().getHostAddress());
        assertEquals(8081, c.admin().port());
        assertEquals("127.0.0.1", c.admin().bind().getHostAddress());
        assertFalse(c.adminTls(), "plain HTTP on loopback");
        assertFalse(c.autoconfig().enabled(), "the public autoconfig listener is off by default");
        assertFalse(c.web().userPages(), "self-service is off by default");
        assertEquals(995, c.clients().incoming().get(0).port());
        assertEquals(10587, c.sending().submission().port());
        assertEquals(10465, c.sending().submissions().port());
        assertTrue(c.sending().submission().enabled() && c.sending().deliveryEnabled(), "sending is on by default");
        assertEquals(List.of(587, 465), c.clients().outgoing().stream().map(s -> s.port()).toList(),
                "submission announced on the public ports");
        assertTrue(c.tls().cert().isEmpty());
        assertEquals("modern", c.tls().profile());
        assertFalse(c.hostname().isBlank());
    }

    @Test
    void everyKeyHasItsOwnEnvironmentVariable() {
        Set<String> seen = new HashSet<>();
        for (Setting<?> s : Settings.ALL) {
            assertTrue(seen.add(s.envName()), "two keys map to " + s.envName());
        }
        assertEquals("POSTKONTOR_SMTP_PORT", Settings.SMTP_PORT.envName());
        assertEquals("POSTKONTOR_STORE_FREE_DISK_RESERVE", Settings.FREE_DISK_RESERVE.envName());
    }

    @Test
    void configFileIsFoundInTheWorkingDirectory(@TempDir Path dir) throws Exception {
        assertEquals(Optional.empty(), ApplianceConfig.locate(Optional.empty(), Map.of(), dir));
        Files.writeString(dir.resolve("postkontor.properties"), "");
        assertEquals(Optional.of(dir.resolve("postkontor.properties")),
                ApplianceConfig.locate(Optional.empty(), Map.of(), dir));
        assertEquals(Optional.of(Path.of("/etc/pk.properties")),
                ApplianceConfig.locate(Optional.empty(), Map.of("POSTKONTOR_CONFIG", "/etc/pk.properties"), dir));
        assertEquals(Optional.of(Path.of("x.properties")),
                ApplianceConfig.locate(Optional.of(Path.of("x.properties")), Map.of("POSTKONTOR_CONFIG", "y"), dir));
    }
}
