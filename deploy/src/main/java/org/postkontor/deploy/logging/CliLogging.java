package org.postkontor.deploy.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * The admin CLI's own logging: warnings and errors only, on standard error, so that standard
 * output holds nothing but the command's tables or JSON. The CLI runs it before it connects.
 */
public final class CliLogging {

    private CliLogging() {}

    public static void quiet() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ctx.reset();
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("postkontor admin: %level %logger{0}: %msg%n");
        enc.start();
        ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> err = new ConsoleAppender<>();
        err.setContext(ctx);
        err.setTarget("System.err");
        err.setEncoder(enc);
        err.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(err);
        root.setLevel(Level.WARN);
    }
}
