package org.postkontor.deploy.reliability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the crash driver saw, and the invariants it checks. Thread-safe.
 *
 * <p>Message states, per id: <em>acknowledged</em> (SMTP said 250); <em>removed</em> (it was
 * DELEted in a POP3 session whose QUIT was answered +OK); <em>in doubt</em> (DELEted in a session
 * whose QUIT was sent but not answered: the expunge may or may not have committed).
 */
public final class CrashLedger {

    private final Set<Integer> acknowledged = new HashSet<>();
    private final Set<Integer> removed = new HashSet<>();
    private final Set<Integer> inDoubt = new HashSet<>();
    private final Map<Integer, Integer> retrievals = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private int corrupt;

    public synchronized void acknowledged(int id) {
        acknowledged.add(id);
    }

    /** A message was retrieved; {@code intact} false if its bytes were not exactly those sent. */
    public synchronized void retrieved(int id, boolean intact) {
        retrievals.merge(id, 1, Integer::sum);
        if (!intact) {
            corrupt++;
            violations.add("message " + id + " was served with bytes other than those sent");
        }
        if (removed.contains(id)) {
            violations.add("message " + id + " came back after a completed DELE + QUIT");
        }
    }

    /** A POP3 session DELEted these and its QUIT was answered +OK. */
    public synchronized void removed(Set<Integer> ids) {
        removed.addAll(ids);
        inDoubt.removeAll(ids);
    }

    /** A POP3 session DELEted these and sent QUIT, but got no answer. */
    public synchronized void inDoubt(Set<Integer> ids) {
        inDoubt.addAll(ids);
    }

    /** A message id seen that was never sent by this driver (or the headers were mangled). */
    public synchronized void unknown(String what) {
        violations.add("served a message the driver did not send: " + what);
    }

    /**
     * Checks the final state: {@code present} holds the ids still in the mailboxes after the last
     * restart. Every acknowledged message was removed by a completed QUIT, or is present, or was
     * in a QUIT that the crash interrupted; nothing removed came back.
     */
    public synchronized List<String> check(Set<Integer> present) {
        List<String> out = new ArrayList<>(violations);
        for (int id : acknowledged) {
            if (!removed.contains(id) && !present.contains(id) && !inDoubt.contains(id)) {
                out.add("message " + id + " got 250 and is gone without a completed QUIT");
            }
        }
        for (int id : present) {
            if (removed.contains(id)) {
                out.add("message " + id + " is still listed after a completed DELE + QUIT");
            }
        }
        return out;
    }

    public synchronized String summary(Set<Integer> present) {
        return "acknowledged=" + acknowledged.size() + " removed=" + removed.size() + " in_doubt=" + inDoubt.size()
                + " present_at_end=" + present.size() + " retrieved_distinct=" + retrievals.size()
                + " retrieved_twice=" + retrievals.values().stream().filter(n -> n > 1).count()
                + " corrupt=" + corrupt;
    }
}
