package org.postkontor.smtp.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpMetrics.FilterResult;
import org.postkontor.smtp.SmtpMetrics.Reason;
import org.postkontor.smtp.filter.Envelope;
import org.postkontor.smtp.filter.FilterException;
import org.postkontor.smtp.filter.Filtering;
import org.postkontor.smtp.filter.MessageFilter;
import org.postkontor.smtp.filter.Verdict;
import org.postkontor.smtp.filter.Verdict.Action;
import org.postkontor.smtp.filter.Verdict.HeaderField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Postkontor does with a message after its data was read and before it is stored: asks the
 * {@link MessageFilter} and turns its verdict into an {@link Outcome}. In this order: a virus
 * symbol → 554 5.7.1; {@code reject} → 550 5.7.1 (rspamd's message); {@code soft reject}
 * (rspamd's greylist module deferring, a rate limit) → 451 4.7.1; {@code discard}, or a score at or above the quarantine score →
 * quarantine (badmail, reason {@code spam}); anything else → delivered with the filter's header
 * edits ({@code add header}, {@code rewrite subject}, {@code no action}, and {@code greylist},
 * which without the greylist module's state is only a mark). No verdict → 451 4.7.1
 * or, with {@code on-error=accept}, delivered with {@link #NOT_SCANNED}. Mail from an
 * authenticated user (submission) is not scored. Thread-safe; called from session threads.
 */
final class Screening {

    private static final Logger log = LoggerFactory.getLogger("postkontor.smtp");

    /** The field a message gets when it was accepted without a verdict ({@code filter.on-error=accept}). */
    static final HeaderField NOT_SCANNED =
            new HeaderField("X-Postkontor-Filter", "not scanned (filter unavailable)");

    static final Reply VIRUS = new Reply(554, "5.7.1", "Message rejected: it contains a virus", Reason.VIRUS);
    static final Reply SPAM = new Reply(550, "5.7.1", "Message rejected as spam", Reason.SPAM);
    static final Reply TRY_LATER =
            new Reply(451, "4.7.1", "Message deferred by the content filter, try again later", Reason.FILTER_DEFERRED);
    static final Reply FILTER_UNAVAILABLE =
            new Reply(451, "4.7.1", "Content filter unavailable, try again later", Reason.FILTER_UNAVAILABLE);

    /** Where a screened message goes. */
    sealed interface Outcome {}

    /** Into the mailboxes: {@code headers} on top, the fields named in {@code remove} left out. */
    record Deliver(List<HeaderField> headers, Map<String, Integer> remove) implements Outcome {
        static final Deliver UNCHANGED = new Deliver(List.of(), Map.of());

        byte[] headerBytes() {
            StringBuilder b = new StringBuilder();
            headers.forEach(h -> b.append(h.line()));
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Into the badmail queue with reason {@code spam}; {@code text} says why. */
    record Quarantine(String text) implements Outcome {}

    /** Refused with this reply; nothing is stored. */
    record Refuse(Reply reply) implements Outcome {}

    private final Filtering filtering;
    private final SmtpMetrics metrics;

    Screening(Filtering filtering, SmtpMetrics metrics) {
        this.filtering = filtering;
        this.metrics = metrics;
    }

    Outcome screen(Envelope envelope, MessageFilter.Content content, String session) {
        if (!filtering.enabled() || envelope.authenticated()) {
            return Deliver.UNCHANGED;
        }
        long start = System.nanoTime();
        Verdict v;
        try {
            v = filtering.filter().scan(envelope, content);
        } catch (FilterException e) {
            metrics.filterError(e.kind());
            log.warn("session={} filter gave no verdict ({}): {}", session, e.kind().label(), e.getMessage());
            if (filtering.onError() == Filtering.OnError.ACCEPT) {
                metrics.filterResult(FilterResult.NOT_SCANNED);
                return new Deliver(List.of(NOT_SCANNED), Map.of());
            }
            metrics.filterResult(FilterResult.TEMPFAILED);
            return new Refuse(FILTER_UNAVAILABLE);
        } finally {
            metrics.filterLatency(Duration.ofNanos(System.nanoTime() - start));
        }
        Outcome o = decide(v);
        metrics.filterResult(switch (o) {
            case Refuse r when r.reply() == VIRUS -> FilterResult.VIRUS;
            case Refuse r when r.reply().permanent() -> FilterResult.REJECTED;
            case Refuse r -> FilterResult.DEFERRED;
            case Quarantine q -> FilterResult.QUARANTINED;
            case Deliver d -> v.action() == Action.NO_ACTION || v.action() == Action.GREYLIST
                    ? FilterResult.CLEAN : FilterResult.TAGGED;
        });
        log.info("session={} filter action={} score={} outcome={}", session,
                v.action().name().toLowerCase(Locale.ROOT), String.format(Locale.ROOT, "%.2f", v.score()),
                o.getClass().getSimpleName().toLowerCase(Locale.ROOT));
        return o;
    }

    /** The verdict as an outcome (no I/O; see the class comment for the order). */
    Outcome decide(Verdict v) {
        if (v.symbols().stream().anyMatch(filtering.virusSymbols()::contains)) {
            return new Refuse(VIRUS);
        }
        switch (v.action()) {
            case REJECT -> {
                return new Refuse(withText(SPAM, v.message()));
            }
            case SOFT_REJECT -> {
                // greylisting (rspamd's greylist module keeps the state and answers soft reject), rate limits
                return new Refuse(withText(TRY_LATER, v.message()));
            }
            case DISCARD -> {
                return new Quarantine(String.format(Locale.ROOT,
                        "Quarantined: the content filter said discard (score %.2f)", v.score()));
            }
            default -> {
                // GREYLIST alone is a mark, not a deferral: without the greylist module's state a
                // retry would be deferred again for ever, so it is delivered like NO_ACTION
            }
        }
        if (filtering.quarantineScore().isPresent() && v.score() >= filtering.quarantineScore().getAsDouble()) {
            return new Quarantine(String.format(Locale.ROOT, "Quarantined as spam: score %.2f, quarantine at %.2f",
                    v.score(), filtering.quarantineScore().getAsDouble()));
        }
        List<HeaderField> add = new ArrayList<>(v.addHeaders());
        Map<String, Integer> remove = new HashMap<>(v.removeHeaders());
        if (v.action() == Action.REWRITE_SUBJECT && v.subject().isPresent()) {
            remove.put("subject", 0);
            add.add(new HeaderField("Subject", encodedWords(v.subject().get())));
        }
        return new Deliver(add, remove);
    }

    /** The reply with the filter's own text, if it gave one (printable ASCII, at most 200 characters). */
    static Reply withText(Reply r, Optional<String> text) {
        if (text.isEmpty()) {
            return r;
        }
        StringBuilder b = new StringBuilder();
        for (char c : text.get().toCharArray()) {
            if (b.length() >= 200) {
                break;
            }
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        String t = b.toString().strip();
        return t.isEmpty() ? r : new Reply(r.code(), r.enhanced(), t, r.reason());
    }

    /** A Subject value: as it is if printable ASCII, else RFC 2047 encoded words (UTF-8, base64), folded. */
    static String encodedWords(String s) {
        String flat = s.replaceAll("[\r\n\t]+", " ");
        if (flat.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return flat;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < flat.length()) {
            int end = i;
            int bytes = 0;
            while (end < flat.length()) {
                int cp = flat.codePointAt(end);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + n > 45) { // 45 octets → 60 base64 characters: an encoded word under 75 (RFC 2047 §2)
                    break;
                }
                bytes += n;
                end += Character.charCount(cp);
            }
            if (out.length() > 0) {
                out.append("\r\n ");
            }
            out.append("=?UTF-8?B?")
                    .append(Base64.getEncoder().encodeToString(flat.substring(i, end).getBytes(StandardCharsets.UTF_8)))
                    .append("?=");
            i = end;
        }
        return out.toString();
    }
}
