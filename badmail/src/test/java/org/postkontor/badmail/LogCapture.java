package org.postkontor.badmail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects what the {@code postkontor.badmail} logger writes. Close it to detach. */
final class LogCapture implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger("postkontor.badmail");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture() {
        appender.start();
        logger.addAppender(appender);
    }

    List<String> lines() {
        synchronized (appender.list) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    List<String> lines(String event) {
        return lines().stream().filter(l -> l.startsWith("event=" + event + " ")).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
