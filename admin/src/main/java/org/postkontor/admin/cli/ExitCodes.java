package org.postkontor.admin.cli;

/**
 * Exit codes of {@code postkontor admin}, stable for scripts:
 * <ul>
 *   <li>{@value #OK}: done;</li>
 *   <li>{@value #BAD_INPUT}: bad input or usage (malformed address, weak or empty password,
 *       unknown option, malformed import file);</li>
 *   <li>{@value #NOT_FOUND_OR_CONFLICT}: no such domain, user, alias or badmail item, or a conflict
 *       (exists already, domain still has users, mailbox in use or over quota);</li>
 *   <li>{@value #UNAVAILABLE}: the appliance or the store cannot be reached or refused the token,
 *       or the store cannot do it now (disk full, I/O error).</li>
 * </ul>
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int BAD_INPUT = 1;
    public static final int NOT_FOUND_OR_CONFLICT = 2;
    public static final int UNAVAILABLE = 3;

    private ExitCodes() {}

    /** The exit code for an HTTP status of the admin API. */
    public static int of(int httpStatus) {
        if (httpStatus < 300) {
            return OK;
        }
        return switch (httpStatus) {
            case 400, 405, 413, 415 -> BAD_INPUT;
            case 404, 409 -> NOT_FOUND_OR_CONFLICT;
            default -> UNAVAILABLE;
        };
    }
}
