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
import org.postkontor.smtp.filter.Filtering;
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
    private final BadmailQueue badmail;

    public RealStack(SmtpConfig.Builder config) throws IOException, StoreException {
        this(config, SmtpMetrics.NOOP, true);
    }

    public RealStack(SmtpConfig.Builder config, SmtpMetrics metrics, boolean tls) throws IOException, StoreException {
        temp = TempStore.create();
        Store s = temp.store();
        Administration admin = s.admin();
        temp.addUser("alice@example.test", "pw");
        temp.addUser("bob@example.test", "pw");
        temp.addUser("carol@example.test", "pw");
        admin.setEnabled(MailAddress.parse("carol@example.test"), false);
        // a quota of one octet: every delivery (with its Delivered-To line) is over it
        temp.addUser("dave@example.test", "pw", new Administration.Quota(1, 0));
        admin.addAlias(MailAddress.parse("team@example.test"),
                List.of(MailAddress.parse("alice@example.test"), MailAddress.parse("bob@example.test")));
        admin.addAlias(MailAddress.parse("quota-team@example.test"),
                List.of(MailAddress.parse("alice@example.test"), MailAddress.parse("dave@example.test")));
        temp.addUser("gone@example.test", "pw");
        admin.addAlias(MailAddress.parse("ghost@example.test"), List.of(MailAddress.parse("gone@example.test")));
        admin.removeUser(MailAddress.parse("gone@example.test"), true);
        admin.addDomain("catchall.test");
        temp.addUser("postmaster@catchall.test", "pw");
        temp.addUser("erin@catchall.test", "pw");
        admin.setPolicy("catchall.test", new RecipientPolicy.CatchAll("postmaster"));
        admin.addDomain("bad.test");
        admin.setPolicy("bad.test", new RecipientPolicy.Badmail());
        tempDir = Files.createDirectories(temp.dataDir().resolve("smtp-tmp"));
        badmail = BadmailQueue.over(s, BadmailConfig.DEFAULTS, Clock.systemUTC(), BadmailMetrics.NOOP);
        server = config == null ? null : newServer(config, metrics, tls);
    }

    /** Another listener on the same store (started; the caller stops it). */
    public SmtpServer newServer(SmtpConfig.Builder config, SmtpMetrics metrics, boolean tls) {
        return newServer(config, metrics, tls, Filtering.OFF);
    }

    /** Another listener on the same store that screens mail with {@code filtering} (started; the caller stops it). */
    public SmtpServer newServer(SmtpConfig.Builder config, SmtpMetrics metrics, boolean tls, Filtering filtering) {
        Store s = temp.store();
        SmtpServer server = new SmtpServer(config.hostname("mx.example.test").tempDir(tempDir).build(),
                s.directory(), s.spool(), badmail, metrics, Clock.systemUTC(), tls ? CERTS.serverContext() : null,
                filtering);
        server.start();
        return server;
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

    /** Distinct stored message bodies (a message for several mailboxes counts once). */
    public long storedMessages() throws StoreException {
        return store().admin().stats().messages();
    }

    public BadmailQueue badmail() {
        return badmail;
    }

    public long badmailItems() throws StoreException {
        return store().badmail().totals().items();
    }

    /** The most recently stored entry of any mailbox, as POP3 would send it. */
    public byte[] lastStored() throws StoreException, IOException {
        MaildropEntry best = null;
        String bestBox = null;
        for (var a : store().admin().users(java.util.Optional.empty())) {
            try (Maildrop m = store().maildrops().open(a.address())) {
                for (MaildropEntry e : m.listing()) {
                    if (best == null || e.id() > best.id()) {
                        best = e;
                        bestBox = a.address().toString();
                    }
                }
            }
        }
        if (best == null) {
            throw new AssertionError("nothing stored");
        }
        try (Maildrop m = store().maildrops().open(MailAddress.parse(bestBox))) {
            for (MaildropEntry e : m.listing()) {
                if (e.id() == best.id()) {
                    try (InputStream in = m.open(e)) {
                        return in.readAllBytes();
                    }
                }
            }
        }
        throw new AssertionError("entry vanished");
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
            if (server != null) {
                server.stop(java.time.Duration.ofSeconds(2));
            }
        } finally {
            temp.close();
        }
    }
}
