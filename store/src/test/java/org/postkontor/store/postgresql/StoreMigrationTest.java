package org.postkontor.store.postgresql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.store.Administration;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.DkimKey;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.Store;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.testing.PlainTestHasher;
import org.postkontor.store.testing.TestPostgres;

/** An embedded store's data moved into PostgreSQL as it is, and a second run that finds it all there. */
class StoreMigrationTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final MailAddress BOB = MailAddress.parse("bob@example.test");

    @TempDir
    Path dir;

    private String schema;
    private PostgresConfig db;

    @BeforeEach
    void setUp() throws Exception {
        schema = "migrate_" + Long.toHexString(System.nanoTime());
        db = TestPostgres.shared().createSchema(schema);
    }

    @AfterEach
    void tearDown() throws Exception {
        TestPostgres.shared().dropSchema(schema);
    }

    private static StoreConfig config(Path d) {
        StoreConfig u = StoreConfig.under(d);
        return new StoreConfig(u.spoolDir(), u.indexDir(), u.badmailDir(), 0);
    }

    private static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everythingMovesAsItIsAndASecondRunSkipsIt() throws Exception {
        try (EmbeddedStore source = EmbeddedStore.open(config(dir.resolve("embedded")), new PlainTestHasher(),
                Clock.systemUTC(), StoreMetrics.NOOP)) {
            source.admin().addDomain("example.test");
            source.admin().addUser(ALICE, "alice-pw".toCharArray(), new Administration.Quota(0, 2));
            source.admin().addUser(BOB, "bob-pw".toCharArray(), Administration.Quota.NONE);
            source.admin().addAlias(MailAddress.parse("team@example.test"), List.of(ALICE, BOB));
            source.spool().deliver(List.of(ALICE, BOB), text("Subject: both\r\n\r\none\r\n"));
            source.spool().deliver(List.of(ALICE), text("Subject: second\r\n\r\ntwo\r\n"));
            source.spool().deliver(BOB, "imported-uidl-1", text("Subject: kept uidl\r\n\r\nthree\r\n"));
            source.admin().setEnabled(BOB, false);
            BadmailStore.BadmailItem bad = source.badmail().put(new BadmailStore.BadmailEnvelope("x@remote.test",
                    List.of("nobody@example.test"), "192.0.2.7", "helo.test", null),
                    new BadmailStore.BadmailReason("unknown_user", 550, "5.1.1", "no such user", null),
                    text("Subject: bad\nbare LF kept\n"));
            OutboundQueue.QueuedMessage queued = source.outbound().enqueue("alice@example.test",
                    List.of("far@remote.test"), text("Subject: out\r\n\r\nfour\r\n"));
            source.outbound().record(queued.id(), List.of(OutboundQueue.Outcome.deferred("far@remote.test",
                    Instant.now().plusSeconds(600), "451 later")));
            source.dkimKeys().put(DkimKey.generate("example.test", "s1", DkimKey.Algorithm.ED25519_SHA256,
                    Instant.now()));

            StoreMigration.Result first;
            try (PostgresStore target = open()) {
                first = StoreMigration.run(source, target, listener(new ArrayList<>()));
            }
            assertEquals(Map.of("domains", 1, "users", 2, "aliases", 2, "web_users", 0), first.accounts());
            assertEquals(4, first.messages());
            assertEquals(0, first.skipped());
            assertEquals(1, first.badmail());
            assertEquals(1, first.queued());
            assertEquals(1, first.dkimKeys());

            try (PostgresStore target = open()) {
                assertEquals(Optional.of(ALICE), target.accounts().authenticate("alice@example.test",
                        "alice-pw".toCharArray()), "the stored hash moved: the same password logs in");
                assertEquals(Optional.empty(), target.accounts().authenticate("bob@example.test", "bob-pw".toCharArray()),
                        "bob is disabled there too");
                assertEquals(2, target.admin().users(Optional.empty()).stream()
                        .filter(a -> a.address().equals(ALICE)).findFirst().orElseThrow().quotaMessages());
                sameMaildrop(source, target, ALICE);
                sameMaildrop(source, target, BOB);
                assertEquals(List.of(bad), target.badmail().list(BadmailStore.BadmailQuery.ALL));
                try (InputStream in = target.badmail().open(bad.id())) {
                    assertArrayEquals("Subject: bad\nbare LF kept\n".getBytes(StandardCharsets.UTF_8), in.readAllBytes());
                }
                OutboundQueue.QueuedMessage moved = target.outbound().get(queued.id()).orElseThrow();
                assertEquals(1, moved.recipients().get(0).attempts());
                assertEquals("451 later", moved.recipients().get(0).lastReply());
                assertEquals(List.of("s1"), target.dkimKeys().keys("example.test").stream().map(DkimKey::selector)
                        .toList());

                StoreMigration.Result again = StoreMigration.run(source, target, listener(new ArrayList<>()));
                assertEquals(Map.of("domains", 0, "users", 0, "aliases", 0, "web_users", 0), again.accounts());
                assertEquals(0, again.messages());
                assertEquals(4, again.skipped());
                assertEquals(0, again.badmail());
                assertEquals(0, again.queued());
            }
        }
    }

    @Test
    void anInterruptedRunIsFinishedByTheNext() throws Exception {
        try (EmbeddedStore source = EmbeddedStore.open(config(dir.resolve("embedded")), new PlainTestHasher(),
                Clock.systemUTC(), StoreMetrics.NOOP)) {
            source.admin().addDomain("example.test");
            source.admin().addUser(ALICE, "alice-pw".toCharArray(), Administration.Quota.NONE);
            for (int i = 0; i < 10; i++) {
                source.spool().deliver(List.of(ALICE), text("Subject: " + i + "\r\n\r\nbody\r\n"));
            }
            try (PostgresStore target = open()) {
                List<Boolean> seen = new ArrayList<>();
                StoreMigration.Listener stopAfterFour = new StoreMigration.Listener() {
                    @Override
                    public void mail(long messages, long octets) {}

                    @Override
                    public void message(long octets, boolean skipped) {
                        seen.add(skipped);
                        if (seen.size() == 4) {
                            throw new IllegalStateException("interrupted");
                        }
                    }
                };
                assertThrows(IllegalStateException.class, () -> StoreMigration.run(source, target, stopAfterFour));
                StoreMigration.Result rest = StoreMigration.run(source, target, listener(new ArrayList<>()));
                assertEquals(6, rest.messages());
                assertEquals(4, rest.skipped());
                sameMaildrop(source, target, ALICE);
            }
        }
    }

    private PostgresStore open() throws Exception {
        return PostgresStore.open(db, config(dir.resolve("node")), new PlainTestHasher(), Clock.systemUTC(),
                StoreMetrics.NOOP);
    }

    private static StoreMigration.Listener listener(List<Long> got) {
        return new StoreMigration.Listener() {
            @Override
            public void mail(long messages, long octets) {}

            @Override
            public void message(long octets, boolean skipped) {
                got.add(octets);
            }
        };
    }

    /** The same UIDLs, arrival times and bytes in the same order. */
    private static void sameMaildrop(Store a, Store b, MailAddress box) throws Exception {
        try (Maildrop x = a.maildrops().open(box); Maildrop y = b.maildrops().open(box)) {
            assertEquals(x.listing().size(), y.listing().size());
            for (int i = 0; i < x.listing().size(); i++) {
                MaildropEntry ex = x.listing().get(i);
                MaildropEntry ey = y.listing().get(i);
                assertEquals(ex.uidl(), ey.uidl());
                assertEquals(ex.octets(), ey.octets());
                assertEquals(ex.arrived().toEpochMilli(), ey.arrived().toEpochMilli());
                try (InputStream ix = x.open(ex); InputStream iy = y.open(ey)) {
                    assertArrayEquals(ix.readAllBytes(), iy.readAllBytes());
                }
            }
        }
    }
}
