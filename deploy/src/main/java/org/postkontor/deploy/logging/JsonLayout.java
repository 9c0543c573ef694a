package org.postkontor.deploy.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One JSON object per line: {@code {"time":...,"level":"INFO","logger":"postkontor.pop3",
 * "session":"...","result":"..."}}. Key=value messages become fields (a key clashing with
 * time/level/logger/thread is prefixed {@code kv_}); other messages go in {@code msg}.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {

    private static final Set<String> RESERVED = Set.of("time", "level", "logger", "thread", "msg", "error", "stack");
    private final JsonFactory factory = new JsonFactory();

    @Override
    public String doLayout(ILoggingEvent e) {
        StringWriter w = new StringWriter(200);
        try (JsonGenerator g = factory.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
            g.writeStringField("level", e.getLevel().toString());
            g.writeStringField("logger", e.getLoggerName());
            g.writeStringField("thread", e.getThreadName());
            String msg = e.getFormattedMessage();
            Optional<Map<String, String>> kv = msg == null ? Optional.empty() : KeyValues.parse(msg);
            if (kv.isPresent()) {
                for (Map.Entry<String, String> f : kv.get().entrySet()) {
                    g.writeStringField(RESERVED.contains(f.getKey()) ? "kv_" + f.getKey() : f.getKey(), f.getValue());
                }
            } else if (msg != null) {
                g.writeStringField("msg", msg);
            }
            if (e.getKeyValuePairs() != null) {
                for (var p : e.getKeyValuePairs()) {
                    g.writeStringField(RESERVED.contains(p.key) ? "kv_" + p.key : p.key, String.valueOf(p.value));
                }
            }
            IThrowableProxy t = e.getThrowableProxy();
            if (t != null) {
                g.writeStringField("error", t.getClassName() + ": " + t.getMessage());
                g.writeStringField("stack", ThrowableProxyUtil.asString(t));
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return w.append(CoreConstants.LINE_SEPARATOR).toString();
    }
}
