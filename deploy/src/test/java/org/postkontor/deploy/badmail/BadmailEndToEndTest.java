package org.postkontor.deploy.badmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailFilter;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.badmail.Redelivery;
import org.postkontor.pop3.Pop3Config;
import org.postkontor.pop3.Pop3Metrics;
import org.postkontor.pop3.Pop3Server;
import org.postkontor.pop3.netty.NettyPop3Server;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.Administration;
import org.postkontor.store.BadmailStore.BadmailItem;
import org.postkontor.store.MailAddress;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Store;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.testing.TempStore;

/**
 * Every way into badmail through a real SMTP session (Python's smtplib on 127.0.0.1), and
 * redelivery retrieved over real POP3 (Python's poplib), on a real store in a temp directory.
 * For each way in: the sender got 250, the item is there with the right reason, and the original
 * is byte-exact.
 */
class BadmailEndToEndTest {

    /** CRLF throughout, a line starting with a dot (stuffed on the wire), 8-bit UTF-8, and a long line. */
    private static final byte[] ORIGINAL = ("From: Sender <sender@remote.test>\r\n"
            + "To: someone@example.test\r\n"
            + "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
            + "Message-ID: <e2e-1@remote.test>\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "Grüße aus dem Büro.\r\n"
            + ".a line that starts with a dot\r\n"
            + "..and one with two\r\n"
            + "x".repeat(900) + "\r\n"
            + "end\r\n").getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private TempStore temp;
    private Store store;
    private BadmailQueue badmail;
    private SmtpServer smtp;
    private Pop3Server pop3;
    private PythonClients clients;

    @BeforeEach
    void start() throws Exception {
        temp = TempStore.create(Clock.systemUTC(), StoreMetrics.NOOP);
        store = temp.store();
        temp.addUser("alice@example.test", "alice-pw");
        temp.addUser("bob@example.test", "bob-pw");
        temp.addUser("carol@example.test", "carol-pw");
        temp.addUser("dave@example.test", "dave-pw");
        Administration admin = store.admin();
        admin.setPolicy("example.test", new RecipientPolicy.Badmail());
        admin.addAlias(MailAddress.parse("sales@example.test"), List.of(MailAddress.parse("dave@example.test")));
        admin.removeUser(MailAddress.parse("dave@example.test"), true); // sales@ now dangles

        badmail = BadmailQueue.over(store, BadmailConfig.DEFAULTS.withHostName("mx.example.test"), Clock.systemUTC(),
                BadmailMetrics.NOOP);
        Path smtpTmp = Files.createDirectories(tmp.resolve("smtp-tmp"));
        smtp = new SmtpServer(SmtpConfig.builder().port(0).hostname("mx.example.test").tempDir(smtpTmp).build(),
                store.directory(), store.spool(), badmail, SmtpMetrics.NOOP, Clock.systemUTC(), null);
        smtp.start();
        pop3 = new NettyPop3Server(Pop3Config.builder().bindAddress("127.0.0.1").plainPort(0).tlsPort(-1)
                .allowPlaintextAuthOnLoopback(true).build(), store.maildrops(), store.accounts(), Pop3Metrics.NOOP,
                Clock.systemUTC(), null);
        pop3.start();
        clients = new PythonClients(Files.createDirectories(tmp.resolve("clients")));
    }

    @AfterEach
    void stop() {
        if (smtp != null) {
            smtp.stop(Duration.ofSeconds(5));
        }
        if (pop3 != null) {
            pop3.stop(Duration.ofSeconds(5));
        }
        if (temp != null) {
            temp.close();
        }
    }

    private List<BadmailItem> items() throws Exception {
        return badmail.list(BadmailFilter.ALL, 0, 100).items();
    }

    private byte[] export(String id) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        badmail.export(id, out);
        return out.toByteArray();
    }

    private static void assertAccepted(List<String> result) {
        assertTrue(result.stream().filter(l -> l.startsWith("RCPT ")).allMatch(l -> l.equals("RCPT 250")), "" + result);
        assertTrue(result.stream().anyMatch(l -> l.startsWith("DATA 250 ")), "the sender got 250: " + result);
    }

    private void assertItem(BadmailItem item, String kind, int code, String status, List<String> recipients)
            throws Exception {
        assertEquals(kind, item.reason().kind());
        assertEquals(code, item.reason().code());
        assertEquals(status, item.reason().enhancedStatus());
        assertEquals(recipients, item.envelope().recipients());
        assertEquals("sender@remote.test", item.envelope().sender());
        assertEquals("client.remote.test", item.envelope().helo());
        assertEquals("127.0.0.1", item.envelope().clientAddress());
        assertEquals(ORIGINAL.length, item.octets());
        assertArrayEquals(ORIGINAL, export(item.id()), "the original is byte-exact");
    }

    @Test
    void unknownUserOfABadmailDomain() throws Exception {
        assertAccepted(clients.send(smtp.port(), "sender@remote.test", ORIGINAL, "nobody@example.test"));

        List<BadmailItem> items = items();
        assertEquals(1, items.size());
        assertItem(items.get(0), "unknown_user", 550, "5.1.1", List.of("nobody@example.test"));
        assertEquals(List.of("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?="), badmail.show(items.get(0).id()).values("Subject"));
    }

    @Test
    void aliasWhoseTargetIsGone() throws Exception {
        assertAccepted(clients.send(smtp.port(), "sender@remote.test", ORIGINAL, "sales@example.test"));

        List<BadmailItem> items = items();
        assertEquals(1, items.size());
        assertEquals("dangling_alias", items.get(0).reason().kind());
        assertEquals(List.of("sales@example.test"), items.get(0).envelope().recipients());
        assertArrayEquals(ORIGINAL, export(items.get(0).id()));
        assertEquals(550, items.get(0).reason().code());
    }

    @Test
    void mailboxDisabledBetweenRcptAndDelivery() throws Exception {
        List<String> result;
        try (PythonClients.SmtpRun run = clients.smtp(smtp.port(), "sender@remote.test", ORIGINAL, true,
                "alice@example.test", "bob@example.test")) {
            run.await("PAUSED");
            store.admin().setEnabled(MailAddress.parse("bob@example.test"), false);
            run.resume();
            result = run.finish();
        }
        assertAccepted(result);

        List<BadmailItem> items = items();
        assertEquals(1, items.size());
        assertItem(items.get(0), "mailbox_disabled", 550, "5.2.1", List.of("bob@example.test"));
        assertEquals(1, clients.fetch(pop3.plainPort(), "alice@example.test", "alice-pw").size(),
                "alice got her copy");

        // Bob is enabled again: redeliver to the original recipient, and he reads it over POP3.
        store.admin().setEnabled(MailAddress.parse("bob@example.test"), true);
        Redelivery r = badmail.redeliver(items.get(0).id());
        assertTrue(r.removed());
        List<byte[]> bobs = clients.fetch(pop3.plainPort(), "bob@example.test", "bob-pw");
        assertEquals(1, bobs.size());
        assertTrue(endsWith(bobs.get(0), ORIGINAL), new String(bobs.get(0), StandardCharsets.UTF_8));
        assertEquals(List.of(), items());
    }

    @Test
    void mailboxFullBetweenRcptAndDelivery() throws Exception {
        MailAddress carol = MailAddress.parse("carol@example.test");
        temp.deliver(carol, "Subject: already here\r\n\r\nx\r\n");
        List<String> result;
        try (PythonClients.SmtpRun run = clients.smtp(smtp.port(), "sender@remote.test", ORIGINAL, true,
                "alice@example.test", "carol@example.test")) {
            run.await("PAUSED");
            store.admin().setQuota(carol, new Administration.Quota(0, 1)); // carol holds 1 message: full now
            run.resume();
            result = run.finish();
        }
        assertAccepted(result);

        List<BadmailItem> items = items();
        assertEquals(1, items.size());
        assertItem(items.get(0), "mailbox_full", 452, "4.2.2", List.of("carol@example.test"));
    }

    /** The store refuses for good (the mailbox was removed after RCPT): a permanent store refusal. */
    @Test
    void mailboxRemovedBetweenRcptAndDelivery() throws Exception {
        List<String> result;
        try (PythonClients.SmtpRun run = clients.smtp(smtp.port(), "sender@remote.test", ORIGINAL, true,
                "alice@example.test", "carol@example.test")) {
            run.await("PAUSED");
            store.admin().removeUser(MailAddress.parse("carol@example.test"), true);
            run.resume();
            result = run.finish();
        }
        assertAccepted(result);

        List<BadmailItem> items = items();
        assertEquals(1, items.size());
        assertItem(items.get(0), "store_permanent", 550, "5.1.1", List.of("carol@example.test"));
    }

    /**
     * SMTP detects a loop (too many Received: lines) before it answers the data, so a loop is
     * refused with 554 5.4.6 and never reaches badmail: the sender is told, nothing is accepted and
     * dropped.
     */
    @Test
    void aLoopIsRefusedBeforeAcceptanceNotBadmailed() throws Exception {
        StringBuilder hops = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            hops.append("Received: from hop").append(i).append(".remote.test by hop").append(i + 1)
                    .append(".remote.test; Fri, 27 Nov 2026 10:00:00 +0000\r\n");
        }
        byte[] looping = (hops + new String(ORIGINAL, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        List<String> result;
        try (PythonClients.SmtpRun run = clients.smtp(smtp.port(), "sender@remote.test", looping, false,
                "nobody@example.test")) {
            result = run.finish();
        }
        assertTrue(result.stream().anyMatch(l -> l.startsWith("DATA 554") || l.contains("5.4.6")), "" + result);
        assertEquals(List.of(), items());
    }

    /** Must show 2: redeliver to a corrected address, retrieve it over POP3 as that user; the item is gone. */
    @Test
    void redeliverToACorrectedAddressAndRetrieveItOverPop3() throws Exception {
        assertAccepted(clients.send(smtp.port(), "sender@remote.test", ORIGINAL, "bbo@example.test"));
        BadmailItem item = items().get(0);
        assertEquals(List.of(), clients.fetch(pop3.plainPort(), "bob@example.test", "bob-pw"));

        Redelivery r = badmail.redeliver(item.id(), List.of(MailAddress.parse("bob@example.test")));
        assertEquals(List.of(MailAddress.parse("bob@example.test")), r.delivered());

        List<byte[]> got = clients.fetch(pop3.plainPort(), "bob@example.test", "bob-pw");
        assertEquals(1, got.size());
        String text = new String(got.get(0), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Delivered-To: bob@example.test\r\n"), text);
        assertTrue(text.contains("Return-Path: <sender@remote.test>\r\n"), text);
        assertTrue(text.contains("X-Postkontor-Badmail-Id: " + item.id() + "\r\n"), text);
        assertTrue(endsWith(got.get(0), ORIGINAL), "the original follows the trace lines unchanged");
        assertEquals(List.of(), items(), "the badmail item is gone");
        assertTrue(store.badmail().get(item.id()).isEmpty());
    }

    private static boolean endsWith(byte[] a, byte[] suffix) {
        if (a.length < suffix.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (a[a.length - suffix.length + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }
}
