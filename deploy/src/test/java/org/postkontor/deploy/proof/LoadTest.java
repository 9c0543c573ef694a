package org.postkontor.deploy.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small in-suite version of {@link LoadDriver}: 100 concurrent mixed sessions for 15 s against
 * the real appliance in a child JVM, two slow clients of each kind. Zero errors, every accepted
 * message retrieved exactly once, every slow client cut off near its timeout (bounds generous: the
 * machine is shared), and the appliance's RSS bounded. The 1,000-session run is in RELIABILITY.md.
 */
class LoadTest {

    @TempDir
    Path dir;

    @Test
    void hundredMixedSessionsWithSlowClientsAroundThem() throws Exception {
        LoadDriver.Options o = new LoadDriver.Options(100, 15, 2, "256m", Duration.ofSeconds(5));
        LoadDriver.Result r = new LoadDriver(o).run(dir);
        LoadDriver.print(r);
        assertEquals(List.of(), r.errors());
        assertTrue(r.smtpSessions() > 0 && r.pop3Sessions() > 0 && r.accepted() > 0, r.summary());
        assertEquals(12, r.slow().size(), "every slow client reported: " + r.slow());
        for (LoadDriver.SlowResult s : r.slow()) {
            long limit = (s.kind().contains("trickle") ? o.smtpSessionMax() : o.timeout()).toMillis();
            assertTrue(s.cutAfterMillis() >= limit - 1000 && s.cutAfterMillis() <= limit + 30_000,
                    s.kind() + " cut after " + s.cutAfterMillis() + " ms; timeout " + limit + " ms");
        }
        assertTrue(r.sessionsWhileSlow() > 0, "normal sessions completed while the slow clients were connected");
        assertTrue(r.maxRssKib() > 0 && r.maxRssKib() < 1024 * 1024, "RSS stays under 1 GiB: " + r.summary());
    }
}
