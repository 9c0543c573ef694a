package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BadmailFilterTest {

    @Test
    void normalizesRecipientAndDomain() {
        BadmailFilter f = BadmailFilter.ALL.withRecipient("Bob@Example.TEST").withDomain("Example.TEST.");
        assertEquals("bob@example.test", f.recipient());
        assertEquals("example.test", f.domain());
    }

    @Test
    void refusesBadFieldsNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BadmailFilter.ofKind("Unknown User"))
                .getMessage().startsWith("kind"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BadmailFilter.ALL.withRecipient("no-at-sign"))
                .getMessage().startsWith("recipient"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BadmailFilter.ALL.withDomain("bad..domain"))
                .getMessage().startsWith("domain"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BadmailFilter.ALL.withOlderThan(Duration.ofSeconds(-1))).getMessage().startsWith("older-than"));
    }
}
