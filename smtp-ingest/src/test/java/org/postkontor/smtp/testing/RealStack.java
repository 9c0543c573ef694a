package org.postkontor.smtp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.badmail.BadmailMetrics;
import org.postkontor.badmail.BadmailQueue;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.TestCertificates;

/**
 * A real store in a temp directory (H2 + spool files), the real badmail queue, and an SMTP
 * listener with STARTTLS on 127.0.0.1:0. Fixture: domains example.test (reject), catchall.test
 * (catch-all to postmaster), bad.test (badmail); users alice, bob, carol (disabled), dave (quota
 * of 1 octet, so over it once he has mail); alias team@example.test → alice, bob.
 */
public final class RealStack implements AutoCloseable {

    public static final TestCertificates CERTS = TestCertificates.selfSigned("localhost");

    private final TempStore temp;
    private final SmtpServer server;
    private final Path tempDir;

    public RealStack(SmtpConfig.Builder config) throws IOException, StoreException {
        this(config, SmtpMetrics.NOOP);
    }

    public RealStack(SmtpConfig.Builder config, SmtpMetrics metrics) throws IOException, StoreException {
        temp = TempStore.create();
        Store s = temp.store();
        Administration admin = s.admin();
        temp.addUser("alice@example.test", "pw");
        temp.addUser("bob@example.test", "pw");
        temp.addUser("carol@example.test", "pw");
        admin.setEnabled(MailAddress.parse("carol@example.test"), false);
        temp.addUser("dave@example.test", "pw", new Administration.Quota(1, 0));
        temp.deliver(MailAddress.parse("dave@example.test"), "Subject: fill\r\n\r\nfull\r\n");
        admin.addAlias(MailAddress.parse("team@example.test"),
                List.of(MailAddress.parse("alice@example.test"), MailAddress.parse("bob@example.test")));
        admin.addDomain("catchall.test");
        temp.addUser("postmaster@catchall.test", "pw");
        admin.setPolicy("catchall.test", new RecipientPolicy.CatchAll("postmaster"));
        admin.addDomain("bad.test");
        admin.setPolicy("bad.test", new RecipientPolicy.Badmail());
        tempDir = Files.createDirectories(temp.dataDir().resolve("smtp-tmp"));
        BadmailQueue badmail = BadmailQueue.over(s, BadmailConfig.DEFAULTS, Clock.systemUTC(), BadmailMetrics.NOOP);
        server = new SmtpServer(config.hostname("mx.example.test").tempDir(tempDir).build(), s.directory(),
                s.spool(), badmail, metrics, Clock.systemUTC(), CERTS.serverContext());
        server.start();
    }

    public int port() {
        return server.port();
    }

    public SmtpServer server() {
        return server;
    }

    public Store store() {
        return temp.store();
    }

    /** Every message of a mailbox, as POP3 would send it (Delivered-To first). */
    public List<byte[]> messages(String mailbox) throws StoreException, IOException {
        List<byte[]> out = new ArrayList<>();
        try (Maildrop m = store().maildrops().open(MailAddress.parse(mailbox))) {
            for (MaildropEntry e : m.listing()) {
                try (InputStream in = m.open(e)) {
                    byte[] b = in.readAllBytes();
                    if (b.length != e.octets()) {
                        throw new AssertionError("octet count " + e.octets() + " but " + b.length + " bytes");
                    }
                    out.add(b);
                }
            }
        }
        return out;
    }

    /** The message text after Delivered-To, Return-Path and our Received header. */
    public static String body(byte[] stored) {
        String s = new String(stored, StandardCharsets.UTF_8);
        if (!s.startsWith("Delivered-To: ") || !s.contains("\r\nReturn-Path: <")) {
            throw new AssertionError("no trace headers:\n" + s);
        }
        int received = s.indexOf("\r\nReceived: from ");
        int end = s.indexOf("\r\n", s.indexOf(";\r\n\t", received) + 4);
        return s.substring(end + 2);
    }

    /** Files left in the SMTP buffer directory (must be none after every transaction). */
    public long leftoverTempFiles() throws IOException {
        try (Stream<Path> s = Files.list(tempDir)) {
            return s.count();
        }
    }

    @Override
    public void close() {
        try {
            server.stop(java.time.Duration.ofSeconds(2));
        } finally {
            temp.close();
        }
    }
}
