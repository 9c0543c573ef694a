package org.postkontor.deploy.autoconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.deploy.Appliance;
import org.postkontor.deploy.badmail.PythonClients;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.e2e.TestEnv;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.ClientTools;
import org.postkontor.store.testing.PlainTestHasher;

/**
 * A mail client set up from the autoconfig answers alone: Python fetches Thunderbird's
 * config-v1.1.xml, Outlook's Autodiscover answer and the Apple profile over HTTPS from the
 * autoconfig listener (verifying the appliance's certificate for the mail host name), takes host,
 * port and security from them, and retrieves a message with poplib over the announced POP3S
 * port, verifying the certificate again; it sends with smtplib through each outgoing server the
 * answer names (587 STARTTLS, 465 SSL), with AUTH, and finds both messages in the mailbox. The
 * mail host name resolves to 127.0.0.1 inside the script (a stand-in for DNS).
 */
class AutoconfigEndToEndTest {

    private static final String CLIENT = """
            import socket, ssl, sys, poplib, smtplib, plistlib, http.client, urllib.parse
            import xml.etree.ElementTree as ET
            host, port, cafile, email, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
            real = socket.getaddrinfo
            def dns(name, *a, **k):
                return real('127.0.0.1' if name == host else name, *a, **k)
            socket.getaddrinfo = dns
            ctx = ssl.create_default_context(cafile=cafile)
            def fetch(method, path, body=None):
                c = http.client.HTTPSConnection(host, port, context=ctx, timeout=30)
                c.request(method, path, body=body, headers={'Content-Type': 'text/xml'} if body else {})
                r = c.getresponse()
                data = r.read()
                print('HTTP', method, path.split('?')[0], r.status, r.getheader('Content-Type'), flush=True)
                return data
            q = urllib.parse.quote(email)
            tb = ET.fromstring(fetch('GET', '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=' + q))
            pop = tb.find("./emailProvider/incomingServer[@type='pop3']")
            settings = (pop.findtext('hostname'), int(pop.findtext('port')), pop.findtext('socketType'))
            outgoing = [(o.findtext('hostname'), int(o.findtext('port')), o.findtext('socketType'))
                        for o in tb.findall("./emailProvider/outgoingServer[@type='smtp']")]
            print('THUNDERBIRD', *settings, 'outgoing', *[' '.join(map(str, o)) for o in outgoing], flush=True)
            ns = {'r': 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'}
            req = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
                   'autodiscover/outlook/requestschema/2006"><Request><EMailAddress>' + email + '</EMailAddress>'
                   '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/'
                   '2006a</AcceptableResponseSchema></Request></Autodiscover>')
            ad = ET.fromstring(fetch('POST', '/autodiscover/autodiscover.xml', req.encode()))
            for p in ad.findall('.//r:Protocol', ns):
                print('OUTLOOK', p.findtext('r:Type', namespaces=ns), p.findtext('r:Server', namespaces=ns),
                      p.findtext('r:Port', namespaces=ns), p.findtext('r:SSL', namespaces=ns),
                      p.findtext('r:LoginName', namespaces=ns), flush=True)
            apple = plistlib.loads(fetch('GET', '/apple/profile.mobileconfig?emailaddress=' + q))
            acct = apple['PayloadContent'][0]
            print('APPLE', acct['EmailAccountType'], acct['IncomingMailServerHostName'],
                  acct['IncomingMailServerPortNumber'], acct['IncomingMailServerUseSSL'], flush=True)
            for oname, oport, osec in outgoing:
                assert osec in ('SSL', 'STARTTLS'), osec
                if osec == 'SSL':
                    smtp = smtplib.SMTP_SSL(oname, oport, context=ctx, timeout=30)
                else:
                    smtp = smtplib.SMTP(oname, oport, timeout=30)
                    smtp.starttls(context=ctx)
                smtp.login(email, password)
                smtp.sendmail(email, [email], ('From: ' + email + '\\r\\nTo: ' + email + '\\r\\nSubject: sent over '
                                               + osec + '\\r\\n\\r\\nhello\\r\\n').encode())
                smtp.quit()
                print('SMTP sent over', osec, flush=True)
            name, p3port, security = settings
            assert security == 'SSL'
            box = poplib.POP3_SSL(name, p3port, context=ctx, timeout=30)
            box.user(email)
            box.pass_(password)
            count, size = box.stat()
            for i in range(1, count + 1):
                resp, lines, octets = box.retr(i)
                print('POP3', i, b'\\r\\n'.join(lines).decode('utf-8', 'replace').split('Subject: ')[1].split('\\r\\n')[0],
                      flush=True)
            box.quit()
            """;

    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aClientConfiguredFromTheAnswersSendsAndRetrieves() throws Exception {
        ClientTools.require("python3");
        int pop3s = freePort();
        int submission = freePort();
        int submissions = freePort();
        Map<String, String> env = new HashMap<>(TestEnv.forDataDir(dir.resolve("data")));
        env.put("POSTKONTOR_SERVER_HOSTNAME", "mail.example.test");
        env.put("POSTKONTOR_POP3_TLS_PORT", Integer.toString(pop3s));
        env.put("POSTKONTOR_CLIENTS_POP3S_PORT", Integer.toString(pop3s));
        env.put("POSTKONTOR_SUBMISSION_PORT", Integer.toString(submission));
        env.put("POSTKONTOR_CLIENTS_SUBMISSION_PORT", Integer.toString(submission));
        env.put("POSTKONTOR_SUBMISSION_TLS_PORT", Integer.toString(submissions));
        env.put("POSTKONTOR_CLIENTS_SUBMISSIONS_PORT", Integer.toString(submissions));
        env.put("POSTKONTOR_AUTOCONFIG_BIND", "127.0.0.1");
        env.put("POSTKONTOR_AUTOCONFIG_PORT", "0");
        try (Appliance app = Appliance.start(ApplianceConfig.load(Optional.empty(), env), Clock.systemUTC(),
                new PlainTestHasher())) {
            app.store().admin().addDomain("example.test");
            app.store().admin().addUser(MailAddress.parse("alice@example.test"), "Battery-Staple-7".toCharArray(),
                    Quota.NONE);
            PythonClients python = new PythonClients(dir);
            List<String> sent = python.send(app.address("smtp").orElseThrow().getPort(), "bob@remote.test",
                    "From: bob@remote.test\r\nSubject: set up by itself\r\n\r\nhello\r\n".getBytes(StandardCharsets.UTF_8),
                    "alice@example.test");
            assertTrue(sent.get(sent.size() - 1).startsWith("DATA 250"), sent.toString());

            Path script = Files.writeString(dir.resolve("client.py"), CLIENT);
            Process p = new ProcessBuilder("python3", script.toString(), "mail.example.test",
                    Integer.toString(app.address("autoconfig").orElseThrow().getPort()),
                    app.tls().certFile().toString(), "alice@example.test", "Battery-Staple-7").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            List<String> lines = out.lines().toList();
            assertTrue(lines.contains("HTTP GET /.well-known/autoconfig/mail/config-v1.1.xml 200 application/xml; charset=utf-8"),
                    out);
            assertTrue(lines.contains("THUNDERBIRD mail.example.test " + pop3s + " SSL outgoing mail.example.test "
                    + submission + " STARTTLS mail.example.test " + submissions + " SSL"), out);
            assertTrue(lines.contains("SMTP sent over SSL") && lines.contains("SMTP sent over STARTTLS"), out);
            assertTrue(lines.contains("OUTLOOK POP3 mail.example.test " + pop3s + " on alice@example.test"), out);
            assertTrue(lines.contains("APPLE EmailTypePOP mail.example.test " + pop3s + " True"), out);
            assertTrue(lines.contains("POP3 1 set up by itself"), out);
            assertTrue(lines.contains("POP3 2 sent over STARTTLS") && lines.contains("POP3 3 sent over SSL"), out);
        }
    }
}
