package org.postkontor.store.internal.badmail;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import org.postkontor.store.BadmailStore.BadmailEnvelope;
import org.postkontor.store.BadmailStore.BadmailReason;

/**
 * What every badmail backend does the same: item ids, and envelope and reason fields cut to fixed
 * widths (values from the network are cut, never refused), times to the microsecond.
 */
final class BadmailFields {

    private static final Pattern ID = Pattern.compile("[0-9A-Za-z-]{1,40}");
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    static final int MAX_SENDER = 1000;
    static final int MAX_CLIENT = 100;
    static final int MAX_HELO = 255;
    static final int MAX_KIND = 40;
    static final int MAX_ENHANCED = 16;
    static final int MAX_TEXT = 1000;
    static final int MAX_RECIPIENT = 1000;

    private BadmailFields() {}

    /** {@code yyyyMMddTHHmmss-} (the arrival in UTC) and 10 random base-32 characters: sorts by age, safe in paths. */
    static String newId(Instant at, SecureRandom random) {
        StringBuilder sb = new StringBuilder(ID_TIME.format(at)).append('-');
        for (int i = 0; i < 10; i++) {
            sb.append(BASE32[random.nextInt(32)]);
        }
        return sb.toString();
    }

    static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    static BadmailEnvelope envelope(BadmailEnvelope e, Instant now) {
        return new BadmailEnvelope(cut(nullToEmpty(e.sender()), MAX_SENDER),
                e.recipients().stream().map(r -> cut(nullToEmpty(r), MAX_RECIPIENT)).toList(),
                cut(nullToEmpty(e.clientAddress()), MAX_CLIENT), cut(nullToEmpty(e.helo()), MAX_HELO),
                e.received() == null ? now : micros(e.received()));
    }

    /** @throws IllegalArgumentException the kind is empty or longer than {@value #MAX_KIND} characters */
    static BadmailReason reason(BadmailReason r, Instant now) {
        if (r.kind() == null || r.kind().isEmpty() || r.kind().length() > MAX_KIND) {
            throw new IllegalArgumentException("reason kind must be 1 to " + MAX_KIND + " characters");
        }
        return new BadmailReason(r.kind(), r.code(), cut(nullToEmpty(r.enhancedStatus()), MAX_ENHANCED),
                cut(nullToEmpty(r.text()), MAX_TEXT), r.at() == null ? now : micros(r.at()));
    }

    /** Times are kept to the microsecond, so what put returns equals what get reads. */
    static Instant micros(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
