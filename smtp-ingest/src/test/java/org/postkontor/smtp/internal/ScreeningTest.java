package org.postkontor.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.filter.Envelope;
import org.postkontor.smtp.filter.Filtering;
import org.postkontor.smtp.filter.MessageFilter;
import org.postkontor.smtp.filter.Verdict;
import org.postkontor.smtp.testing.FakeFilter;

/** The decisions that no SMTP client can reach yet (submission) and the subject's encoding. */
class ScreeningTest {

    private static final MessageFilter.Content EMPTY = new MessageFilter.Content() {
        @Override
        public long size() {
            return 0;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(new byte[0]);
        }
    };

    private static Envelope envelope(Optional<String> user) {
        return new Envelope("192.0.2.1", Optional.empty(), "a@b.test", List.of("alice@example.test"), Optional.empty(),
                Optional.empty(), user, "q.1", "mx.example.test");
    }

    @Test
    void mailOfAnAuthenticatedUserIsNotScored() {
        FakeFilter filter = new FakeFilter().answer(new Verdict(Verdict.Action.REJECT, 99, Optional.empty(), List.of(),
                Map.of(), Optional.empty(), Set.of()));
        Screening s = new Screening(new Filtering(filter, Filtering.OnError.TEMPFAIL, OptionalDouble.empty(), Set.of()),
                SmtpMetrics.NOOP);
        assertEquals(Screening.Deliver.UNCHANGED, s.screen(envelope(Optional.of("alice@example.test")), EMPTY, "t"));
        assertTrue(filter.envelopes().isEmpty(), "the filter was not asked");
        assertTrue(s.screen(envelope(Optional.empty()), EMPTY, "t") instanceof Screening.Refuse);
    }

    @Test
    void aRewrittenSubjectOutsideAsciiIsEncodedWords() {
        assertEquals("[SPAM] offer", Screening.encodedWords("[SPAM] offer"));
        String e = Screening.encodedWords("[SPAM] Gr\u00fc\u00dfe aus M\u00fcnchen, ein sehr langer Betreff mit Umlauten \u00e4\u00f6\u00fc");
        for (String word : e.split("\r\n ")) {
            assertTrue(word.matches("=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]+\\?=") && word.length() <= 75, word);
        }
        StringBuilder decoded = new StringBuilder();
        for (String word : e.split("\r\n ")) {
            decoded.append(new String(java.util.Base64.getDecoder().decode(word.substring(10, word.length() - 2)),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals("[SPAM] Gr\u00fc\u00dfe aus M\u00fcnchen, ein sehr langer Betreff mit Umlauten \u00e4\u00f6\u00fc",
                decoded.toString());
    }
}
