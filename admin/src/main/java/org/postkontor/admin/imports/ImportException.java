package org.postkontor.admin.imports;

import java.util.List;

/** A mailbox source that cannot be imported: every problem found, each naming its file or line. */
public final class ImportException extends Exception {

    private final List<String> problems;

    public ImportException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public ImportException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
