package org.postkontor.store.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.DkimKey;
import org.postkontor.store.NotFoundException;
import org.postkontor.store.OutboundQueue.Outcome;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.OutboundQueue.State;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.testing.MutableClock;
import org.postkontor.store.testing.TempStore;

class FileOutboundQueueTest {

    private static final String MSG = "From: a@example.test\nSubject: hi\n\nbody\n";

    private static InputStream msg() {
        return new ByteArrayInputStream(MSG.getBytes(StandardCharsets.UTF_8));
    }

    private static String body(Store s, String id) throws Exception {
        try (InputStream in = s.outbound().open(id)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aQueuedMessageAndItsRecipientsStatesSurviveARestart() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TempStore t = TempStore.create(clock, org.postkontor.store.StoreMetrics.NOOP)) {
            QueuedMessage m = t.store().outbound().enqueue("a@example.test",
                    List.of("x@remote.test", "y@remote.test", "z@other.test"), msg());
            assertEquals(3, m.pending().size());
            Instant later = clock.instant().plus(Duration.ofMinutes(5));
            t.store().outbound().record(m.id(), List.of(Outcome.delivered("x@remote.test", "250 ok"),
                    Outcome.deferred("y@remote.test", later, "451 4.7.1 greylisted")));
            t.store().outbound().markWarned(m.id());

            Store s = t.restart();
            QueuedMessage back = s.outbound().get(m.id()).orElseThrow();
            assertEquals(State.DELIVERED, back.recipients().get(0).state());
            assertEquals(State.PENDING, back.recipients().get(1).state());
            assertEquals(1, back.recipients().get(1).attempts());
            assertEquals(later, back.recipients().get(1).nextAttempt());
            assertEquals("451 4.7.1 greylisted", back.recipients().get(1).lastReply());
            assertEquals(0, back.recipients().get(2).attempts());
            assertTrue(back.warned());
            assertEquals(MSG.replace("\n", "\r\n"), body(s, m.id()));
            assertEquals("a@example.test", back.sender());

            s.outbound().record(m.id(), List.of(Outcome.failed("y@remote.test", "550 5.1.1 no such user"),
                    Outcome.delivered("z@other.test", "250 ok")));
            assertTrue(s.outbound().get(m.id()).isEmpty(), "every recipient final: the message left the queue");
            assertThrows(NotFoundException.class, () -> s.outbound().open(m.id()));
            Store again = t.restart();
            assertTrue(again.outbound().list().isEmpty());
            assertEquals(0, again.outbound().totals().messages());
        }
    }

    @Test
    void retryMakesPendingRecipientsDueAndDeleteRemovesForGood() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TempStore t = TempStore.create(clock, org.postkontor.store.StoreMetrics.NOOP)) {
            QueuedMessage a = t.store().outbound().enqueue("", List.of("x@remote.test"), msg());
            QueuedMessage b = t.store().outbound().enqueue("a@example.test", List.of("x@remote.test"), msg());
            t.store().outbound().record(a.id(), List.of(Outcome.deferred("x@remote.test",
                    clock.instant().plus(Duration.ofHours(1)), "421 busy")));
            clock.advance(Duration.ofMinutes(1));
            assertTrue(t.store().outbound().retryNow(a.id()));
            assertEquals(clock.instant(), t.store().outbound().get(a.id()).orElseThrow().nextAttempt().orElseThrow());
            assertTrue(t.store().outbound().delete(b.id()));
            assertFalse(t.store().outbound().delete(b.id()));
            Store s = t.restart();
            assertEquals(List.of(a.id()), s.outbound().list().stream().map(QueuedMessage::id).toList());
            assertEquals("", s.outbound().list().get(0).sender());
            assertEquals(clock.instant(), s.outbound().list().get(0).nextAttempt().orElseThrow());
            assertEquals(1, s.outbound().totals().messages());
        }
    }

    @Test
    void aTornStateLogLineAndLeftoverTempFilesAreCleared() throws Exception {
        try (TempStore t = TempStore.create()) {
            QueuedMessage a = t.store().outbound().enqueue("a@example.test", List.of("x@remote.test"), msg());
            Path dir = t.config().spoolDir().resolve(FileOutboundQueue.DIR);
            t.store().close();
            Files.writeString(dir.resolve(FileOutboundQueue.LOG), "0000 r " + a.id() + " 0 D 1 0 torn",
                    java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(dir.resolve("tmp").resolve("leftover"), "half");
            Files.writeString(dir.resolve("msg").resolve("junk"), "not a queue file");
            Store s = t.restart();
            assertEquals(State.PENDING, s.outbound().get(a.id()).orElseThrow().recipients().get(0).state());
            assertFalse(Files.exists(dir.resolve("tmp").resolve("leftover")));
            assertTrue(Files.exists(dir.resolve("quarantine").resolve("junk")));
        }
    }

    @Test
    void backupsCarryTheQueueAndTheDkimKeysAndARestoreBringsThemBack(@TempDir Path tmp) throws Exception {
        try (TempStore t = TempStore.create()) {
            QueuedMessage a = t.store().outbound().enqueue("a@example.test", List.of("x@remote.test", "y@remote.test"),
                    msg());
            t.store().outbound().record(a.id(), List.of(Outcome.delivered("x@remote.test", "250 ok")));
            DkimKey key = DkimKey.generate("example.test", "pk1", DkimKey.Algorithm.ED25519_SHA256, Instant.now());
            t.store().dkimKeys().put(key);
            Path keyFile = t.config().indexDir().resolve("dkim/example.test/pk1.key");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));

            t.store().backup(tmp.resolve("b"), null);
            StoreConfig target = StoreConfig.under(tmp.resolve("restored"));
            EmbeddedStore.restore(tmp.resolve("b"), target);
            try (Store r = EmbeddedStore.open(target, new org.postkontor.store.testing.PlainTestHasher(),
                    java.time.Clock.systemUTC(), org.postkontor.store.StoreMetrics.NOOP)) {
                QueuedMessage back = r.outbound().get(a.id()).orElseThrow();
                assertEquals(List.of(State.DELIVERED, State.PENDING),
                        back.recipients().stream().map(x -> x.state()).toList());
                assertEquals(MSG.replace("\n", "\r\n"), body(r, a.id()));
                assertEquals(List.of(key), r.dkimKeys().keys("example.test"));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                        target.indexDir().resolve("dkim/example.test/pk1.key"))));
            }
        }
    }
}
