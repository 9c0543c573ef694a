package org.postkontor.smtp.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.smtp.testing.LocalClamd;
import org.postkontor.smtp.testing.LocalDns;
import org.postkontor.smtp.testing.LocalRspamd;
import org.postkontor.smtp.testing.RealStack;
import org.postkontor.smtp.testing.SmtpTestClient;

/**
 * ClamAV through rspamd's antivirus module (Postkontor's shipped antivirus.conf, turned on by
 * RSPAMD_CLAMAV_SERVERS), with a local signature for the EICAR test string: the EICAR message is
 * refused with 554 5.7.1, a clean one is delivered.
 */
class ClamavTest {

    @TempDir
    Path dir;

    @Test
    void eicarIsRefusedAndACleanMessageDelivered() throws Exception {
        try (LocalDns dns = LocalDns.start(dir, List.of("--local=/test/"));
             LocalClamd clamd = LocalClamd.start(dir);
             LocalRspamd rspamd = LocalRspamd.start(dns.address(), Map.of("RSPAMD_CLAMAV_SERVERS", clamd.server()));
             RealStack stack = new RealStack(null, SmtpMetrics.NOOP, false)) {
            SmtpServer server = stack.newServer(SmtpConfig.builder(), SmtpMetrics.NOOP, false,
                    new Filtering(new RspamdFilter(rspamd.url(), Duration.ofSeconds(10)), Filtering.OnError.TEMPFAIL,
                            OptionalDouble.empty(), Set.of("CLAM_VIRUS")));
            try {
                String virus = "From: <x@remote.test>\r\nTo: <alice@example.test>\r\nSubject: invoice\r\n\r\n"
                        + LocalClamd.EICAR + "\r\n";
                assertEquals("554 5.7.1 Message rejected: it contains a virus", send(server.port(), virus),
                        rspamd.log());
                assertEquals(0, stack.storedMessages());
                String clean = "From: <x@remote.test>\r\nTo: <alice@example.test>\r\nSubject: hello\r\n\r\nno virus\r\n";
                String reply = send(server.port(), clean);
                assertTrue(reply.startsWith("250 "), reply);
                assertEquals(1, stack.storedMessages());
            } finally {
                server.stop(Duration.ofSeconds(2));
            }
        }
    }

    private static String send(int port, String message) throws Exception {
        return SmtpTestClient.transaction(port, "client.remote.test", "x@remote.test", "alice@example.test", message);
    }
}
