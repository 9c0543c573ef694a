package org.postkontor.badmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BadmailConfigTest {

    @Test
    void defaultsAreThirtyDaysAndOneGibibyte() {
        BadmailConfig c = BadmailConfig.DEFAULTS;
        assertEquals(Duration.ofDays(30), c.maxAge());
        assertEquals(1L << 30, c.maxTotalBytes());
        assertEquals(256 * 1024, c.maxHeaderBytes());
        assertEquals(1000, c.maxPageSize());
        assertEquals("localhost", c.hostName());
        assertEquals('+', c.plusSeparator());
    }

    @Test
    void badValuesNameTheirKey() {
        assertMessage("badmail.max-age", () -> BadmailConfig.DEFAULTS.withMaxAge(Duration.ofSeconds(59)));
        assertMessage("badmail.max-age", () -> BadmailConfig.DEFAULTS.withMaxAge(Duration.ofDays(4000)));
        assertMessage("badmail.max-total-bytes", () -> BadmailConfig.DEFAULTS.withMaxTotalBytes(1000));
        assertMessage("badmail.max-total-bytes", () -> BadmailConfig.DEFAULTS.withMaxTotalBytes(-1));
        assertMessage("badmail.show.max-header-bytes", () -> BadmailConfig.DEFAULTS.withMaxHeaderBytes(100));
        assertMessage("badmail.list.max-page-size", () -> BadmailConfig.DEFAULTS.withMaxPageSize(0));
        assertMessage("badmail.host-name", () -> BadmailConfig.DEFAULTS.withHostName("bad host"));
        assertMessage("plus separator", () -> BadmailConfig.DEFAULTS.withPlusSeparator('@'));
        assertThrows(NullPointerException.class, () -> BadmailConfig.DEFAULTS.withMaxAge(null));
    }

    @Test
    void hostNameIsNormalized() {
        assertEquals("mx.example.test", BadmailConfig.DEFAULTS.withHostName("MX.Example.TEST.").hostName());
    }

    @Test
    void theCapMustHoldTwoMessagesOfTheSmtpMaximum() {
        BadmailConfig c = BadmailConfig.DEFAULTS.withMaxTotalBytes(50L << 20);
        c.requireRoomFor(25L << 20);
        assertMessage("badmail.max-total-bytes", () -> c.requireRoomFor((25L << 20) + 1));
    }

    private static void assertMessage(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
