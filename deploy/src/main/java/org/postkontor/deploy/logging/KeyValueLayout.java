package org.postkontor.deploy.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;

/**
 * One logfmt line per event: {@code time=... level=INFO logger=postkontor.smtp session=... result=...}.
 * A message already in key=value form is appended as it is; any other message becomes
 * {@code msg="..."} (CR and LF escaped, so a line is always one event). SLF4J key-value pairs
 * follow. A throwable adds {@code error="Class: message"} and then its stack trace.
 */
public final class KeyValueLayout extends LayoutBase<ILoggingEvent> {

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append("time=").append(Instant.ofEpochMilli(e.getTimeStamp()))
                .append(" level=").append(e.getLevel())
                .append(" logger=").append(e.getLoggerName());
        String msg = e.getFormattedMessage();
        if (msg != null && !msg.isEmpty()) {
            if (KeyValues.parse(msg).isPresent() && msg.indexOf('\n') < 0 && msg.indexOf('\r') < 0) {
                b.append(' ').append(msg);
            } else {
                b.append(" msg=").append(KeyValues.quote(msg));
            }
        }
        if (e.getKeyValuePairs() != null) {
            for (var kv : e.getKeyValuePairs()) {
                b.append(' ').append(kv.key).append('=').append(KeyValues.quote(String.valueOf(kv.value)));
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            b.append(" error=").append(KeyValues.quote(t.getClassName() + ": " + t.getMessage()));
            b.append(CoreConstants.LINE_SEPARATOR).append(ThrowableProxyUtil.asString(t));
        }
        return b.append(CoreConstants.LINE_SEPARATOR).toString();
    }
}
