package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Received line's date, written by hand, is exactly what the RFC 5322 pattern formats. */
class TraceHeadersDateTest {

    private static final List<ZoneId> ZONES = List.of(ZoneOffset.UTC, ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/St_Johns"), ZoneId.of("Asia/Kathmandu"), ZoneId.of("Pacific/Chatham"),
            ZoneId.of("America/Los_Angeles"), ZoneOffset.ofHoursMinutes(-5, -30), ZoneOffset.ofHours(14),
            ZoneOffset.ofHours(-12), ZoneOffset.ofHoursMinutes(0, -30));

    @Test
    void sameTextAsTheFormatter() {
        SplittableRandom random = new SplittableRandom(5322);
        long from = Instant.parse("1970-01-01T00:00:00Z").getEpochSecond();
        long to = Instant.parse("2200-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            ZonedDateTime t = Instant.ofEpochSecond(random.nextLong(from, to), random.nextInt(1_000_000_000))
                    .atZone(ZONES.get(i % ZONES.size()));
            assertEquals(TraceHeaders.DATE.format(t), TraceHeaders.date(new StringBuilder(), t).toString(), t::toString);
        }
    }

    @Test
    void edgesOfTheDayAndTheYear() {
        for (String s : List.of("2026-11-27T22:00:00Z", "2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z",
                "2024-02-29T12:34:56Z", "1999-12-31T23:59:59.999Z", "0999-06-01T00:00:00Z", "+12345-01-01T00:00:00Z")) {
            for (ZoneId zone : ZONES) {
                ZonedDateTime t = Instant.parse(s).atZone(zone);
                assertEquals(TraceHeaders.DATE.format(t), TraceHeaders.date(new StringBuilder(), t).toString(), t::toString);
            }
        }
        assertEquals("Fri, 27 Nov 2026 23:00:00 +0100", TraceHeaders.date(new StringBuilder(),
                Instant.parse("2026-11-27T22:00:00Z").atZone(ZoneId.of("Europe/Berlin"))).toString());
    }
}
