package org.postkontor.pop3;

/** Extended response codes (RFC 2449 §8, RFC 3206), sent in brackets after {@code -ERR}. */
public enum ResponseCode {
    /** RFC 2449 §8.1.1: the maildrop is locked by another session. */
    IN_USE("IN-USE"),
    /** RFC 2449 §8.1.2: logged in again sooner than LOGIN-DELAY allows. */
    LOGIN_DELAY("LOGIN-DELAY"),
    /** RFC 3206 §4: temporary system problem; try again later. */
    SYS_TEMP("SYS/TEMP"),
    /** RFC 3206 §4: permanent system problem; a retry will not help. */
    SYS_PERM("SYS/PERM"),
    /** RFC 3206 §5: credentials are the problem. */
    AUTH("AUTH");

    private final String text;

    ResponseCode(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
