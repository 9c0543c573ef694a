package org.postkontor.deploy.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.postkontor.deploy.config.ApplianceConfig.LogSettings;
import org.slf4j.LoggerFactory;

/**
 * Switches Logback to the configured format and level once the configuration is known (before it,
 * {@code logback.xml} logs warnings to stderr). The appliance logs to standard output, the
 * container way. Levels apply to {@code org.postkontor} and to the {@code postkontor.*} protocol
 * loggers; libraries stay at WARN.
 */
public final class LogSetup {
    private LogSetup() {}

    public static void apply(LogSettings settings) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        LayoutBase<ILoggingEvent> layout = settings.format().equals("json") ? new JsonLayout() : new KeyValueLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(ctx);
        appender.setName("postkontor-" + settings.format());
        appender.setEncoder(encoder);
        appender.setTarget("System.out");
        appender.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(Level.WARN);
        Level level = Level.toLevel(settings.level(), Level.INFO);
        ctx.getLogger("org.postkontor").setLevel(level);
        ctx.getLogger("postkontor").setLevel(level);
    }
}
