package org.postkontor.deploy.admin;

import java.util.List;

/** A mailbox source that cannot be imported: every problem found, each naming its file or line. */
final class ImportException extends Exception {

    private final List<String> problems;

    ImportException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    ImportException(String problem) {
        this(List.of(problem));
    }

    List<String> problems() {
        return problems;
    }
}
