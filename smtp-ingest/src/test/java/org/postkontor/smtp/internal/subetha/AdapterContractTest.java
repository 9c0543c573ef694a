package org.postkontor.smtp.internal.subetha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.testing.SmtpTestClient;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * What Postkontor's adapter (ReplyWriter, CommandInput, PlainSocket/TlsSocket in {@code internal};
 * MailCommandGuard, BdatCommandGuard, DataCommandGuard, GuardedProxyHandler, SessionExecutor here)
 * assumes about SubEthaSMTP 7.2.2, checked against the bare library. When an upgrade changes any of it, this
 * test fails loudly: re-check the adapter (and drop the parts the library now does itself).
 */
class AdapterContractTest {

    private static final List<String> received = new CopyOnWriteArrayList<>();

    @Test
    void onlyThisPackageOfMainCodeUsesTheLibrarysInternals() throws IOException {
        Path main = Path.of("src/main/java");
        Path here = main.resolve(AdapterContractTest.class.getPackageName().replace('.', '/'));
        List<Path> outside;
        try (Stream<Path> files = Files.walk(main)) {
            outside = files.filter(f -> f.toString().endsWith(".java") && !f.getParent().equals(here))
                    .filter(f -> read(f).contains("import org.subethamail.smtp.internal."))
                    .toList();
        }
        assertEquals(List.of(), outside, "uses of SubEthaSMTP's internal packages belong in " + here);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SMTPServer bare(UnaryOperator<SMTPServer.Builder> tune) throws IOException {
        SMTPServer.Builder b = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress()).hostName("bare.test")
                .maxMessageSize(1000).messageHandlerFactory(ctx -> new MessageHandler() {
                    @Override public void from(String from) {}
                    @Override public void recipient(String r) {}
                    @Override public String data(InputStream in) throws IOException {
                        received.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        return null;
                    }
                    @Override public void done() {}
                });
        SMTPServer s = tune.apply(b).build();
        s.start();
        return s;
    }

    @Test
    void ehloLacksPipeliningAndEnhancedStatusCodesAndRepliesLackCodes() throws Exception {
        SMTPServer s = bare(b -> b);
        try (SmtpTestClient c = new SmtpTestClient(s.getPortAllocated(), 10_000)) {
            c.line();
            c.send("EHLO x.test");
            List<String> ehlo = c.reply();
            assertEquals("250-bare.test", ehlo.get(0));
            assertTrue(ehlo.contains("250-8BITMIME") && ehlo.contains("250-CHUNKING"), ehlo.toString());
            assertFalse(ehlo.stream().anyMatch(l -> l.contains("PIPELINING") || l.contains("ENHANCEDSTATUSCODES")),
                    "the library advertises these now: ReplyWriter would list them twice " + ehlo);
            assertEquals("250 Ok", ehlo.get(ehlo.size() - 1));
            c.send("NOOP");
            assertEquals("250 Ok", c.line());
            c.send("FOOBAR");
            assertEquals("500 Error: command not implemented", c.line());
            c.send("QUIT");
            assertEquals("221 Bye", c.line());
        } finally {
            s.stop();
        }
    }

    @Test
    void setSocketRebuildsTheSessionsStreamsAndTheSessionRunsOnThem() throws Exception {
        List<Boolean> rebuilt = new CopyOnWriteArrayList<>();
        ExecutorService probe = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
        SMTPServer s = bare(b -> b.executorService(new AbstractExecutorService() {
            @Override public void execute(Runnable task) {
                probe.execute(() -> {
                    if (task instanceof Session session) {
                        Object before = session.getReader();
                        try {
                            session.setSocket(session.getSocket());
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        rebuilt.add(session.getReader() != before);
                    }
                    task.run();
                });
            }
            @Override public void shutdown() { probe.shutdown(); }
            @Override public List<Runnable> shutdownNow() { return probe.shutdownNow(); }
            @Override public boolean isShutdown() { return probe.isShutdown(); }
            @Override public boolean isTerminated() { return probe.isTerminated(); }
            @Override public boolean awaitTermination(long t, TimeUnit u) throws InterruptedException {
                return probe.awaitTermination(t, u);
            }
        }));
        try (SmtpTestClient c = new SmtpTestClient(s.getPortAllocated(), 10_000)) {
            assertTrue(c.line().startsWith("220 bare.test"));
            c.send("NOOP");
            assertEquals("250 Ok", c.line());
            c.send("QUIT");
            assertEquals("221 Bye", c.line());
        } finally {
            s.stop();
        }
        assertEquals(List.of(true), rebuilt,
                "Session.setSocket no longer rebuilds the streams: SessionExecutor no longer gives idle sessions small buffers");
    }

    @Test
    void sessionExecutorServesSessions() throws Exception {
        SMTPServer s = bare(b -> b.executorService(new SessionExecutor(Thread.ofVirtual().factory())));
        try (SmtpTestClient c = new SmtpTestClient(s.getPortAllocated(), 10_000)) {
            assertTrue(c.line().startsWith("220 bare.test"));
            c.send("EHLO x.test");
            assertEquals("250 Ok", c.reply().getLast());
            c.send("QUIT");
            assertEquals("221 Bye", c.line());
        } finally {
            s.stop();
        }
    }

    @Test
    void mailSizePastIntKillsTheBareSession() throws Exception {
        SMTPServer s = bare(b -> b);
        try (SmtpTestClient c = new SmtpTestClient(s.getPortAllocated(), 10_000)) {
            c.line();
            c.send("EHLO x.test");
            c.reply();
            c.send("MAIL FROM:<a@b.test> SIZE=99999999999");
            assertEquals("421 4.3.0 Mail system failure, closing transmission channel", c.line(),
                    "the library handles huge SIZE= now: MailCommandGuard may be simplified");
        } finally {
            s.stop();
        }
    }

    @Test
    void aCommandLineOf998CharactersEndsTheBareSession() throws Exception {
        SMTPServer s = bare(b -> b);
        try (SmtpTestClient c = new SmtpTestClient(s.getPortAllocated(), 10_000)) {
            c.line();
            c.send("NOOP " + "x".repeat(992));
            assertEquals("250 Ok", c.line(), "997 characters are taken: CommandInput.MAX_LINE lets them through");
            c.send("NOOP " + "x".repeat(993));
            assertEquals("501 Input line length is too long!", c.line());
            assertTrue(c.closedByServer(),
                    "the library keeps the session after a long line now: CommandInput may be dropped");
        } finally {
            s.stop();
        }
    }

    @Test
    void bareBdatTakesADisconnectInsideAChunkForTheEndOfTheMessage() throws Exception {
        received.clear();
        SMTPServer s = bare(b -> b);
        try (SmtpTestClient c = new SmtpTestClient(s.getPortAllocated(), 10_000)) {
            c.line();
            c.send("EHLO x.test");
            c.reply();
            c.send("MAIL FROM:<a@b.test>");
            c.line();
            c.send("RCPT TO:<c@d.test>");
            c.line();
            c.raw("BDAT 100 LAST\r\ntruncated".getBytes(StandardCharsets.US_ASCII));
            c.socket().shutdownOutput();
            c.closedByServer();
        } finally {
            s.stop();
        }
        assertEquals(List.of("truncated"), received,
                "the library's BDAT now reports an early EOF: BdatCommandGuard may be dropped");
    }

    @Test
    void nullProxyResultIsTheIssue169CrashAndTheGuardRefusesCleanly() throws Exception {
        SMTPServer bareServer = bare(b -> b.proxyHandler((in, out, session) -> null));
        try (SmtpTestClient c = new SmtpTestClient(bareServer.getPortAllocated(), 10_000)) {
            assertEquals("421 4.3.0 Mail system failure, closing transmission channel", c.line(),
                    "the library no longer crashes on a null PROXY result (issue 169)");
        } finally {
            bareServer.stop();
        }
        SMTPServer guarded = bare(b -> b.proxyHandler(new GuardedProxyHandler((in, out, session) -> null,
                SmtpMetrics.NOOP)));
        try {
            for (int i = 0; i < 2; i++) {
                try (SmtpTestClient c = new SmtpTestClient(guarded.getPortAllocated(), 10_000)) {
                    assertEquals("421 4.7.0 PROXY protocol header missing or invalid", c.line());
                    assertTrue(c.closedByServer());
                }
            }
        } finally {
            guarded.stop();
        }
    }
}
