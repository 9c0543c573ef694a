package org.postkontor.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.Administration.Quota;
import org.postkontor.store.ConflictException;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Maildrop;
import org.postkontor.store.Resolution;
import org.postkontor.store.Store;
import org.postkontor.store.testing.TempStore;

/** Administration through the real store: spool, purger and index together. */
class AdministrationOnStoreTest {

    @Test
    void removeUserKeepingMailServesItAgainWhenReAdded() throws Exception {
        try (TempStore t = TempStore.create()) {
            MailAddress alice = t.addUser("alice@example.test", "secret");
            t.deliver(alice, "Subject: one\r\n\r\nbody\r\n");
            t.deliver(alice, "Subject: two\r\n\r\nbody\r\n");
            Administration admin = t.store().admin();
            Account before = admin.user(alice).orElseThrow();
            assertEquals(2, before.messages());

            admin.removeUser(alice, false);
            assertEquals(new Resolution.UnknownUser(), t.store().directory().resolve(alice));
            assertEquals(2, admin.stats().entries(), "mail kept");

            admin.addUser(alice, "new".toCharArray(), Quota.NONE);
            assertEquals(before.octets(), admin.user(alice).orElseThrow().octets());
            try (Maildrop m = t.store().maildrops().open(alice)) {
                assertEquals(2, m.listing().size());
            }
        }
    }

    @Test
    void removeUserDeletingMailPurgesItsEntriesAndBodiesButNotOthers() throws Exception {
        try (TempStore t = TempStore.create()) {
            MailAddress alice = t.addUser("alice@example.test", "secret");
            MailAddress bob = t.addUser("bob@example.test", "secret");
            t.deliver(List.of(alice, bob), "Subject: both\r\n\r\nbody\r\n");
            t.deliver(alice, "Subject: alice only\r\n\r\nbody\r\n");
            Administration admin = t.store().admin();

            admin.removeUser(alice, true);
            assertEquals(Optional.empty(), admin.user(alice));
            assertEquals(1, admin.stats().entries());
            assertEquals(1, admin.stats().messages(), "the body bob still lists stays, the other is gone");
            admin.addUser(alice, "new".toCharArray(), Quota.NONE);
            assertEquals(0, admin.user(alice).orElseThrow().messages(), "nothing comes back");
            try (Maildrop m = t.store().maildrops().open(bob)) {
                assertEquals(1, m.listing().size());
            }
        }
    }

    @Test
    void concurrentAddsOfOneUserLetExactlyOneWin() throws Exception {
        try (TempStore t = TempStore.create()) {
            Store store = t.store();
            store.admin().addDomain("example.test");
            int n = 6;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<Object>> results = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    char[] pw = ("pw" + i).toCharArray();
                    Callable<Object> add = () -> {
                        start.await();
                        store.admin().addUser(MailAddress.parse("carol@example.test"), pw, Quota.NONE);
                        return "added";
                    };
                    results.add(pool.submit(add));
                }
                start.countDown();
                int added = 0;
                for (Future<Object> f : results) {
                    try {
                        f.get(60, TimeUnit.SECONDS);
                        added++;
                    } catch (ExecutionException e) {
                        assertInstanceOf(ConflictException.class, e.getCause(), "a duplicate is a conflict");
                    }
                }
                assertEquals(1, added);
                assertEquals(1, store.admin().users(Optional.empty()).size());
                int logins = 0;
                for (int i = 0; i < n; i++) {
                    if (store.accounts().authenticate("carol@example.test", ("pw" + i).toCharArray()).isPresent()) {
                        logins++;
                    }
                }
                assertEquals(1, logins, "the winner's password, and only it");
                assertTrue(store.accounts().scramCredential("carol@example.test").isPresent());
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
