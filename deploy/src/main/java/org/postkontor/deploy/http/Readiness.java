package org.postkontor.deploy.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The checks behind {@code /health/ready}: each returns empty when fine or a one-line problem
 * ({@code store: closed}). Checks are added while the appliance wires itself; thread-safe.
 */
public final class Readiness {

    /** One named check. */
    public record Check(String name, Supplier<Optional<String>> problem) {}

    private final List<Check> checks = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    public void add(String name, Supplier<Optional<String>> problem) {
        checks.add(new Check(name, problem));
    }

    /** Once shutting down, never ready again (the load balancer stops sending). */
    public void stopping() {
        stopping = true;
    }

    /** Every problem now; empty means ready. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (stopping) {
            out.add("appliance: shutting down");
        }
        for (Check c : checks) {
            try {
                c.problem().get().ifPresent(p -> out.add(c.name() + ": " + p));
            } catch (RuntimeException e) {
                out.add(c.name() + ": check failed (" + e.getClass().getSimpleName() + ")");
            }
        }
        return out;
    }

    public boolean ready() {
        return problems().isEmpty();
    }
}
