package org.postkontor.smtp.filter;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A filter's answer for one message.
 *
 * @param action        what the filter recommends
 * @param score         the message's spam score
 * @param message       the filter's reply text for the client (rspamd's {@code smtp_message}), if any
 * @param addHeaders    header fields to add at the top of the message, in order
 * @param removeHeaders header fields to remove, by name (lower case): 0 = every occurrence, n = the
 *                      n-th from the top
 * @param subject       the new Subject when {@code action} is {@link Action#REWRITE_SUBJECT}
 * @param symbols       names of the rules that matched (e.g. {@code CLAM_VIRUS})
 */
public record Verdict(Action action, double score, Optional<String> message, List<HeaderField> addHeaders,
                      Map<String, Integer> removeHeaders, Optional<String> subject, Set<String> symbols) {

    public Verdict {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(message, "message");
        addHeaders = List.copyOf(addHeaders);
        removeHeaders = Map.copyOf(removeHeaders);
        Objects.requireNonNull(subject, "subject");
        symbols = Set.copyOf(symbols);
    }

    /** A verdict with nothing to change: what a filter says about a clean message. */
    public static Verdict clean(double score) {
        return new Verdict(Action.NO_ACTION, score, Optional.empty(), List.of(), Map.of(), Optional.empty(), Set.of());
    }

    /** rspamd's actions (its names with {@code _} for space). */
    public enum Action {
        NO_ACTION, GREYLIST, ADD_HEADER, REWRITE_SUBJECT, SOFT_REJECT, REJECT,
        /** Drop the message silently (rspamd's force_actions): Postkontor quarantines it instead. */
        DISCARD;

        /** {@code "soft reject"} → {@link #SOFT_REJECT}; empty for an unknown action. */
        public static Optional<Action> parse(String rspamdName) {
            String n = rspamdName.trim().toUpperCase(Locale.ROOT).replace(' ', '_');
            for (Action a : values()) {
                if (a.name().equals(n)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A header field to add. The value may be folded ({@code CRLF} followed by a space or tab); it
     * never holds any other CR or LF, and the name is an RFC 5322 field name.
     */
    public record HeaderField(String name, String value) {
        public HeaderField {
            if (name == null || !name.matches("[\\x21-\\x39\\x3b-\\x7e]{1,76}")) {
                throw new IllegalArgumentException("not a header field name: " + name);
            }
            if (value == null || value.replaceAll("\r\n[ \t]", "").matches("(?s).*[\r\n\0].*")) {
                throw new IllegalArgumentException("header " + name + ": CR or LF outside a fold, or NUL");
            }
        }

        /** {@code Name: value CRLF}. */
        public String line() {
            return name + ": " + value + "\r\n";
        }
    }
}
