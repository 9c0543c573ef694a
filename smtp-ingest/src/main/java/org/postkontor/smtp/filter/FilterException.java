package org.postkontor.smtp.filter;

import java.util.Locale;

/** The filter gave no verdict; {@link #kind()} says why in a word usable as a metrics label. */
public final class FilterException extends Exception {

    /** Why there is no verdict. */
    public enum Kind {
        /** No answer within the timeout. */
        TIMEOUT,
        /** Could not connect, or the connection broke. */
        UNAVAILABLE,
        /** An answer that is not a verdict (HTTP status, malformed JSON, unknown action). */
        BAD_RESPONSE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;

    public FilterException(Kind kind, String message, Throwable t) {
        super(message, t);
        this.kind = kind;
    }

    public FilterException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
