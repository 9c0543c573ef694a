package org.postkontor.admin.api;

/**
 * An admin operation that did not happen, with the HTTP status, a stable code for scripts, and a
 * message for people. The CLI maps the status to its exit code.
 */
public final class AdminError extends Exception {

    private final int status;
    private final String code;

    public AdminError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public static AdminError badInput(String message) {
        return new AdminError(400, "bad_input", message);
    }

    public static AdminError notFound(String message) {
        return new AdminError(404, "not_found", message);
    }

    public static AdminError conflict(String message) {
        return new AdminError(409, "conflict", message);
    }

    public static AdminError unavailable(String message) {
        return new AdminError(503, "unavailable", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
