package org.postkontor.store.internal.outbound;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.postkontor.store.OutboundQueue.Recipient;
import org.postkontor.store.OutboundQueue.State;

/**
 * The lines of the outbound queue's state log, one change each (fields split by single spaces; the
 * reply text URL-encoded, so it holds no space or line end):
 * <pre>
 *   r &lt;id&gt; &lt;recipient number&gt; &lt;P|D|F&gt; &lt;attempts&gt; &lt;next attempt, epoch ms&gt; &lt;reply&gt;
 *   w &lt;id&gt;                        the sender was warned of the delay
 *   n &lt;id&gt; &lt;epoch ms&gt;             every pending recipient due then (an admin's retry)
 *   x &lt;id&gt;                        deleted by an admin
 * </pre>
 * A recipient line carries the whole state, so applying it twice changes nothing. Lines naming a
 * message whose file is gone are ignored.
 */
final class QueueLog {

    private QueueLog() {}

    static String recipientLine(String id, int index, Recipient r) {
        return "r " + id + " " + index + " " + r.state().name().charAt(0) + " " + r.attempts() + " "
                + r.nextAttempt().toEpochMilli() + " " + URLEncoder.encode(r.lastReply(), StandardCharsets.UTF_8);
    }

    static String warnedLine(String id) {
        return "w " + id;
    }

    static String retryLine(String id, Instant when) {
        return "n " + id + " " + when.toEpochMilli();
    }

    static String removedLine(String id) {
        return "x " + id;
    }

    /** The lines that give a live entry its state (compaction). */
    static List<String> lines(QueueEntry e) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < e.size(); i++) {
            Recipient r = e.recipient(i);
            if (r.attempts() > 0 || r.state() != State.PENDING || !r.nextAttempt().equals(e.record().arrived())) {
                out.add(recipientLine(e.record().id(), i, r));
            }
        }
        if (e.warned()) {
            out.add(warnedLine(e.record().id()));
        }
        return out;
    }

    /** Applies one line to the entries read from the files; malformed lines and unknown ids are skipped. */
    static void apply(String line, Map<String, QueueEntry> entries) {
        String[] f = line.split(" ", -1);
        if (f.length < 2) {
            return;
        }
        QueueEntry e = entries.get(f[1]);
        if (e == null) {
            return;
        }
        try {
            switch (f[0]) {
                case "r" -> {
                    int i = Integer.parseInt(f[2]);
                    if (f.length != 7 || i < 0 || i >= e.size()) {
                        return;
                    }
                    State s = switch (f[3]) {
                        case "P" -> State.PENDING;
                        case "D" -> State.DELIVERED;
                        case "F" -> State.FAILED;
                        default -> throw new IllegalArgumentException(f[3]);
                    };
                    e.set(i, new Recipient(e.recipient(i).address(), s, Integer.parseInt(f[4]),
                            Instant.ofEpochMilli(Long.parseLong(f[5])), URLDecoder.decode(f[6], StandardCharsets.UTF_8)));
                }
                case "w" -> e.warned(true);
                case "n" -> e.dueAt(Instant.ofEpochMilli(Long.parseLong(f[2])));
                case "x" -> e.removed(true);
                default -> { }
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException ex) {
            // a line this version does not understand changes nothing
        }
    }
}
