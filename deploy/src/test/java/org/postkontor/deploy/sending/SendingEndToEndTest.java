package org.postkontor.deploy.sending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.JsonNode;
import org.postkontor.admin.api.AdminApi;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.Store;
import org.postkontor.store.testing.Await;
import org.postkontor.store.testing.ClientTools;
import org.postkontor.store.testing.Dnsmasq;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * The sending half end to end, all real parts on loopback: dnsmasq publishes remote.test's MX
 * (mx.remote.test = 127.0.0.2) and example.test's DKIM keys; a second Postkontor is the remote MX
 * on 127.0.0.2:25; swaks and Python's smtplib submit with AUTH over the 587 kind (STARTTLS) and
 * the 465 kind (implicit TLS); every delivered message verifies with Debian's python3-dkim
 * against the keys in the DNS (both signatures, rsa-sha256 and ed25519-sha256); a 4xx destination
 * is retried and later delivered; a 5xx one produces a DSN that POP3 hands to the sender.
 */
class SendingEndToEndTest {

    private static final String PASSWORD = "Correct-Horse-9";

    @Test
    void submittedMailArrivesSignedRetriesA4xxAndBouncesA5xx(@TempDir Path dir) throws Exception {
        ClientTools.require("swaks");
        ClientTools.require(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
        ClientTools.require(python("import dkim, nacl, dns.resolver").exitValue() == 0,
                "python3-dkim, python3-nacl and python3-dnspython (Debian) are not installed");
        int dnsPort = Dnsmasq.freePort();
        Map<String, String> remoteEnv = TestEnv.forDataDir(dir.resolve("remote"));
        remoteEnv.put("POSTKONTOR_SMTP_BIND", "127.0.0.2");
        remoteEnv.put("POSTKONTOR_SMTP_PORT", "25");
        remoteEnv.put("POSTKONTOR_SERVER_HOSTNAME", "mx.remote.test");
        remoteEnv.put("POSTKONTOR_SUBMISSION_ENABLED", "false");
        remoteEnv.put("POSTKONTOR_DELIVERY_ENABLED", "false");
        Map<String, String> env = TestEnv.forDataDir(dir.resolve("local"));
        env.put("POSTKONTOR_SERVER_HOSTNAME", "mail.example.test");
        env.put("POSTKONTOR_DNS_SERVERS", "127.0.0.1:" + dnsPort);
        env.put("POSTKONTOR_QUEUE_RETRY_MIN", "1s");
        env.put("POSTKONTOR_QUEUE_RETRY_MAX", "2s");
        try (Appliance remote = Appliance.start(ApplianceConfig.load(Optional.empty(), remoteEnv),
                Clock.systemUTC(), new PlainTestHasher());
             Appliance local = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(),
                     new PlainTestHasher())) {
            Store r = remote.store();
            r.admin().addDomain("remote.test");
            r.admin().addUser(MailAddress.parse("bob@remote.test"), PASSWORD.toCharArray(), Quota.NONE);
            r.admin().addUser(MailAddress.parse("full@remote.test"), PASSWORD.toCharArray(), new Quota(0, 1));
            r.spool().deliver(List.of(MailAddress.parse("full@remote.test")),
                    new java.io.ByteArrayInputStream("Subject: filler\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)));
            Store l = local.store();
            l.admin().addDomain("example.test");
            l.admin().addUser(MailAddress.parse("alice@example.test"), PASSWORD.toCharArray(), Quota.NONE);
            AdminApi api = new AdminApi(l, local.badmail(), AdminApi.ApplianceState.NONE, "running", local.config().clients());
            JsonNode keys = call(api, "POST", "/api/v1/domains/example.test/dkim");
            assertEquals(2, keys.size(), keys.toString());
            JsonNode records = call(api, "GET", "/api/v1/domains/example.test/dns");
            String zone = records.toString();
            for (String want : List.of("\"MX\",\"value\":\"10 mail.example.test.\"", "v=spf1 mx -all", "_dmarc.example.test.",
                    "_mta-sts.example.test.", "k=rsa; p=", "k=ed25519; p=")) {
                assertTrue(zone.contains(want), want + " in " + zone);
            }
            Dnsmasq.Records published = new Dnsmasq.Records()
                    .mx("remote.test", "mx.remote.test", 10).a("mx.remote.test", "127.0.0.2");
            for (org.postkontor.store.DkimKey k : l.dkimKeys().keys("example.test")) {
                assertTrue(zone.contains(k.recordName()), k.recordName() + " in " + zone);
                published.longTxt(k.recordName(), k.recordValue());
            }
            try (Dnsmasq dns = Dnsmasq.start(published, dnsPort)) {
                int starttls = local.address("submission").orElseThrow().getPort();
                int implicit = local.address("submissions").orElseThrow().getPort();

                swaks(dir, "--server", "127.0.0.1:" + starttls, "--tls", "--h-Subject", "swaks over 587");
                swaks(dir, "--server", "127.0.0.1:" + implicit, "--tlsc", "--h-Subject", "swaks over 465");
                smtplib(dir, starttls, false, "bob@remote.test", "smtplib over 587");
                smtplib(dir, implicit, true, "bob@remote.test", "smtplib over 465");
                smtplib(dir, starttls, false, "full@remote.test", "for a full mailbox");
                smtplib(dir, implicit, true, "nobody@remote.test", "for no one");

                Await.until(Duration.ofSeconds(60), "four messages at bob's", () -> count(r, "bob@remote.test") == 4);
                List<String> bob = messages(r, "bob@remote.test");
                for (String m : bob) {
                    String lower = m.toLowerCase(java.util.Locale.ROOT);
                    assertTrue(lower.contains("\r\nmessage-id: <") && lower.contains("\r\ndate: "),
                            "Message-ID and Date: " + m.replace("\r", ""));
                    assertEquals("2 of 2 signatures verify", verify(dir, m, dns.port()), m.replace("\r", ""));
                }
                Await.until(Duration.ofSeconds(60), "a DSN for nobody@remote.test in alice's mailbox",
                        () -> count(l, "alice@example.test") == 1);
                String dsn = pop3(local, dir);
                assertTrue(dsn.contains("multipart/report; report-type=delivery-status"), dsn);
                assertTrue(dsn.contains("Final-Recipient: rfc822; nobody@remote.test"), dsn);
                assertTrue(dsn.contains("Status: 5.1.1"), dsn);
                assertTrue(dsn.contains("Subject: for no one"), dsn);

                assertEquals(1, count(r, "full@remote.test"), "452 4.2.2 at RCPT: not delivered yet");
                JsonNode queue = call(api, "GET", "/api/v1/queue");
                assertEquals(1, queue.size(), queue.toString());
                assertTrue(queue.toString().contains("452 4.2.2"), "deferred with the 4xx: " + queue);
                String id = queue.get(0).path("id").asText();
                assertTrue(call(api, "GET", "/api/v1/queue/" + id).path("header").asText()
                        .contains("Subject: for a full mailbox"));
                r.admin().setQuota(MailAddress.parse("full@remote.test"), Quota.NONE);
                call(api, "POST", "/api/v1/queue/" + id + "/retry");
                Await.until(Duration.ofSeconds(60), "the 4xx destination delivered on a retry",
                        () -> count(r, "full@remote.test") == 2);
                Await.until(Duration.ofSeconds(10), "an empty queue", () -> {
                    try {
                        return l.outbound().totals().messages() == 0;
                    } catch (StoreException e) {
                        return false;
                    }
                });
            }
        }
    }

    private static JsonNode call(AdminApi api, String method, String path) throws Exception {
        AdminApi.JsonReply reply = (AdminApi.JsonReply) api.handle(new AdminApi.Request(method, path, Map.of(),
                InputStream.nullInputStream()));
        assertTrue(reply.status() < 300, reply.body().toString());
        return reply.body();
    }

    private static void swaks(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--auth", "LOGIN", "--auth-user", "alice@example.test",
                "--auth-password", PASSWORD, "--from", "alice@example.test", "--to", "bob@remote.test",
                "--h-From", "Alice <alice@example.test>", "--body", "Hello from swaks.", "--timeout", "30"));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("swaks.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "swaks finished");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("<~  250 2.0.0 Ok: queued as") || out.contains("<~* 250 2.0.0 Ok: queued as")
                || out.contains("250 2.0.0 Ok: queued as"), out);
    }

    private static void smtplib(Path dir, int port, boolean implicit, String to, String subject) throws Exception {
        String script = """
                import smtplib, ssl, sys
                port, implicit, to, subject = int(sys.argv[1]), sys.argv[2] == 'yes', sys.argv[3], sys.argv[4]
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP_SSL('127.0.0.1', port, context=ctx, timeout=30) if implicit else smtplib.SMTP('127.0.0.1', port, timeout=30)
                if not implicit:
                    s.starttls(context=ctx)
                s.login('alice@example.test', sys.argv[5])
                msg = 'From: Alice <alice@example.test>\\r\\nTo: ' + to + '\\r\\nSubject: ' + subject + '\\r\\n\\r\\nHello  from  smtplib. \\r\\n\\r\\n\\r\\n'
                refused = s.sendmail('alice@example.test', [to], msg)
                print('REFUSED', refused)
                s.quit()
                """;
        Process p = python(script, String.valueOf(port), implicit ? "yes" : "no", to, subject, PASSWORD);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("REFUSED {}"), out);
    }

    /** Verifies every DKIM-Signature of the message with python3-dkim, keys from dnsmasq. */
    private static String verify(Path dir, String message, int dnsPort) throws Exception {
        Path f = Files.createTempFile(dir, "msg", ".eml");
        Files.writeString(f, message, StandardCharsets.ISO_8859_1);
        String script = """
                import dkim, dns.resolver, sys
                data = open(sys.argv[1], 'rb').read()
                def txt(name, timeout=5):
                    r = dns.resolver.Resolver(configure=False)
                    r.nameservers = ['127.0.0.1']; r.port = int(sys.argv[2])
                    a = r.resolve(name.decode().rstrip('.'), 'TXT')
                    return b''.join(a[0].strings)
                d = dkim.DKIM(data)
                sigs = [h for h in d.headers if h[0].lower() == b'dkim-signature']
                ok = sum(1 for i in range(len(sigs)) if d.verify(idx=i, dnsfunc=txt))
                print(ok, 'of', len(sigs), 'signatures verify')
                """;
        Process p = python(script, f.toString(), String.valueOf(dnsPort));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private static Process python(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.waitFor(60, TimeUnit.SECONDS);
        return p;
    }

    /** The sender's mailbox over POP3S with Python's poplib: the one message's text. */
    private static String pop3(Appliance a, Path dir) throws Exception {
        String script = """
                import poplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ctx, timeout=30)
                p.user('alice@example.test'); p.pass_(sys.argv[2])
                resp, lines, octets = p.retr(1)
                sys.stdout.write('\\r\\n'.join(l.decode('utf-8', 'replace') for l in lines))
                p.quit()
                """;
        Process p = python(script, String.valueOf(a.address("pop3s").orElseThrow().getPort()), PASSWORD);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static int count(Store s, String user) {
        try (Maildrop m = s.maildrops().open(MailAddress.parse(user))) {
            return m.listing().size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<String> messages(Store s, String user) throws Exception {
        List<String> out = new ArrayList<>();
        try (Maildrop m = s.maildrops().open(MailAddress.parse(user))) {
            for (MaildropEntry e : m.listing()) {
                try (InputStream in = m.open(e)) {
                    out.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }
}
