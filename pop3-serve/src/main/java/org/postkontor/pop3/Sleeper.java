package org.postkontor.pop3;

import java.time.Duration;

/** Waits on the calling (virtual) thread; tests pass one that does not wait. */
@FunctionalInterface
public interface Sleeper {

    Sleeper REAL = d -> {
        if (!d.isZero()) {
            Thread.sleep(d);
        }
    };

    void sleep(Duration d) throws InterruptedException;
}
