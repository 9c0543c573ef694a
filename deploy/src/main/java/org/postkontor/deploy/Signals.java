package org.postkontor.deploy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT handled by the appliance itself, so that after a graceful stop the process
 * exits 0 (a JVM ended by the default handler exits 143). Uses {@code sun.misc.Signal} from the
 * {@code jdk.unsupported} module; without it, the shutdown hook still stops gracefully.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    static void onTermination(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    log.info("event=signal name=SIG{}", name);
                    action.run();
                });
            } catch (IllegalArgumentException | LinkageError e) {
                log.warn("event=signal_handler_unavailable name=SIG{} error=\"{}\"", name, e.toString());
            }
        }
    }
}
