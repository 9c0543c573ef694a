package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.testing.FakeStore;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Resolution;
import org.postkontor.store.StoreException;

/** Where RCPT addresses go, and how many directory reads that takes (each is an index query). */
class RecipientResolverTest {

    /** Counts the reads of the fake directory. */
    private static final class Counting implements Directory {
        final FakeStore store = FakeStore.standard();
        int reads;

        @Override
        public boolean isHosted(String domain) {
            reads++;
            return store.isHosted(domain);
        }

        @Override
        public Resolution resolve(MailAddress recipient) {
            reads++;
            return store.resolve(recipient);
        }
    }

    private final Counting directory = new Counting();
    private final RecipientResolver resolver = new RecipientResolver(directory, SmtpConfig.builder().build());

    @Test
    void aUserTakesOneRead() throws StoreException {
        assertEquals(new RecipientResolver.Local(List.of(MailAddress.parse("alice@example.test"))),
                resolver.resolve("alice@example.test"));
        assertEquals(1, directory.reads);
    }

    @Test
    void aForeignDomainIsRelayDeniedInOneRead() throws StoreException {
        assertEquals(new RecipientResolver.Refused(Reply.RELAY_DENIED), resolver.resolve("alice@elsewhere.test"));
        assertEquals(1, directory.reads);
    }

    @Test
    void aTaggedAddressOfAForeignDomainIsRelayDeniedInOneRead() throws StoreException {
        assertEquals(new RecipientResolver.Refused(Reply.RELAY_DENIED), resolver.resolve("alice+tag@elsewhere.test"));
        assertEquals(1, directory.reads);
    }

    @Test
    void aTaggedAddressGoesToTheUserInOneRead() throws StoreException {
        assertEquals(new RecipientResolver.Local(List.of(MailAddress.parse("alice@example.test"))),
                resolver.resolve("alice+news@example.test"));
        assertEquals(1, directory.reads);
    }

    @Test
    void unknownUsersAndPolicies() throws StoreException {
        assertEquals(new RecipientResolver.Refused(Reply.UNKNOWN_USER), resolver.resolve("nobody@example.test"));
        assertEquals(new RecipientResolver.Refused(Reply.UNKNOWN_USER), resolver.resolve("nobody+x@example.test"));
        assertEquals(new RecipientResolver.ToBadmail("unknown_user"), resolver.resolve("x@bad.test"));
        assertEquals(new RecipientResolver.Local(List.of(MailAddress.parse("postmaster@catchall.test"))),
                resolver.resolve("anyone@CatchAll.Test"));
        assertEquals(new RecipientResolver.Refused(Reply.RELAY_DENIED), resolver.resolve("a@[192.0.2.1]"));
    }

    /** {@code a.+x}: the untagged "a." is no valid address; the address is taken as written. */
    @Test
    void aTagAfterADotIsResolvedAsWritten() throws StoreException {
        assertEquals(new RecipientResolver.Refused(Reply.UNKNOWN_USER), resolver.resolve("a.+x@example.test"));
        assertEquals(new RecipientResolver.Refused(Reply.RELAY_DENIED), resolver.resolve("a.+x@elsewhere.test"));
    }
}
