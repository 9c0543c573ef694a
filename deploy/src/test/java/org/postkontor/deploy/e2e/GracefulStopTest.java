package org.postkontor.deploy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.Store;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.Await;
import org.postkontor.store.testing.PlainTestHasher;

/** Stopping the appliance lets an SMTP transaction in flight finish: its 250 comes, and the mail is there after. */
class GracefulStopTest {

    @TempDir
    Path dir;

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** The first line a new SMTP connection gets, or "" if it cannot connect. */
    private static String greeting(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return line == null ? "" : line;
        } catch (IOException e) {
            return "";
        }
    }

    private static void send(OutputStream out, String line) throws Exception {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void dataInFlightWhenTheStopBeginsIsAcceptedAndKept() throws Exception {
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("data"));
        env.put("POSTKONTOR_SHUTDOWN_GRACE_PERIOD", "30s");
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
        MailAddress alice = MailAddress.parse("alice@example.test");
        Appliance a = Appliance.start(config, Clock.systemUTC(), new PlainTestHasher());
        Thread stopper = null;
        try {
            a.store().admin().addDomain("example.test");
            a.store().admin().addUser(alice, "pw".toCharArray(), Quota.NONE);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), a.address("smtp").orElseThrow().getPort())) {
                s.setSoTimeout(60_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                assertTrue(reply(in).startsWith("220"));
                send(out, "EHLO client.example.org");
                assertTrue(reply(in).startsWith("250"));
                send(out, "MAIL FROM:<bob@example.org>");
                assertTrue(reply(in).startsWith("250"));
                send(out, "RCPT TO:<alice@example.test>");
                assertTrue(reply(in).startsWith("250"));
                send(out, "DATA");
                assertTrue(reply(in).startsWith("354"));
                send(out, "Subject: in flight\r\n\r\nsent while the appliance stops");

                stopper = Thread.ofPlatform().start(a::close);
                Await.until(Duration.ofSeconds(10), "readiness to go", () -> !a.readiness().ready());
                int port = a.address("smtp").orElseThrow().getPort();
                // SMTP's stop has begun (new sessions are turned away) and then waits for this transaction
                Await.until(Duration.ofSeconds(10), "SMTP to refuse new sessions", () -> greeting(port).startsWith("421 4.3.2"));
                assertTrue(stopper.isAlive(), "the stop waits for the transaction");

                send(out, ".");
                String r = reply(in);
                assertTrue(r.startsWith("250"), r);
            }
            stopper.join(60_000);
            assertFalse(stopper.isAlive());
        } finally {
            a.close();
        }
        try (Store store = EmbeddedStore.open(config.store(), new PlainTestHasher(), Clock.systemUTC(), StoreMetrics.NOOP);
             Maildrop drop = store.maildrops().open(alice)) {
            assertEquals(1, drop.listing().size());
        }
    }
}
