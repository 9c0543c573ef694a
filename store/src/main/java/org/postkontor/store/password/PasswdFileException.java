package org.postkontor.store.password;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A Dovecot passwd-file that cannot be imported as a whole: each problem names its line. The
 * messages never contain a password field.
 */
public final class PasswdFileException extends Exception {

    private final List<Problem> problems;

    public PasswdFileException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    /** @param line 1-based line number in the file */
    public record Problem(int line, String message) {
        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }
}
