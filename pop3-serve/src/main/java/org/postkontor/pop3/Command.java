package org.postkontor.pop3;

import java.util.Locale;

/**
 * The commands this server knows, each with the states it is valid in (RFC 1939 §§4-7, RFC 2449,
 * RFC 2595, RFC 5034). {@link Pop3Session} checks validity once, before dispatching.
 */
public enum Command {
    USER(true, false, "USER name"),
    PASS(true, false, "PASS password"),
    APOP(true, false, "APOP is not supported"),
    AUTH(true, false, "AUTH mechanism [initial-response]"),
    STLS(true, false, "STLS"),
    CAPA(true, true, "CAPA"),
    QUIT(true, true, "QUIT"),
    STAT(false, true, "STAT"),
    LIST(false, true, "LIST [msg]"),
    RETR(false, true, "RETR msg"),
    DELE(false, true, "DELE msg"),
    NOOP(false, true, "NOOP"),
    RSET(false, true, "RSET"),
    TOP(false, true, "TOP msg lines"),
    UIDL(false, true, "UIDL [msg]");

    private final boolean inAuthorization;
    private final boolean inTransaction;
    private final String usage;

    Command(boolean inAuthorization, boolean inTransaction, String usage) {
        this.inAuthorization = inAuthorization;
        this.inTransaction = inTransaction;
        this.usage = usage;
    }

    public boolean validIn(SessionState state) {
        return switch (state) {
            case SessionState.Authorization a -> inAuthorization;
            case SessionState.Transaction t -> inTransaction;
            case SessionState.Update u -> false;
        };
    }

    /** Usage text for a syntax error; fixed, never the client's input. */
    public String usage() {
        return usage;
    }

    /** The command for a keyword (case-insensitive, RFC 1939 §3), or null. */
    public static Command lookup(String keyword) {
        if (keyword.length() < 3 || keyword.length() > 4) {
            return null;
        }
        for (int i = 0; i < keyword.length(); i++) {
            char c = keyword.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return null;
            }
        }
        try {
            return valueOf(keyword.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
