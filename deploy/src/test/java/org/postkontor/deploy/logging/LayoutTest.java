package org.postkontor.deploy.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LayoutTest {

    private final LoggerContext ctx = new LoggerContext();
    private final Logger smtp = ctx.getLogger("postkontor.smtp");

    private LoggingEvent event(String message, Object... args) {
        return new LoggingEvent(Logger.class.getName(), smtp, Level.INFO, message, null, args);
    }

    @Test
    void keyValueMessagesAreParsedWithQuotes() {
        assertEquals(Optional.of(Map.of("session", "ab1", "helo", "my host", "result", "accepted")),
                KeyValues.parse("session=ab1 helo=\"my host\" result=accepted"));
        assertEquals(Optional.empty(), KeyValues.parse("SMTP listening on 0.0.0.0:25"));
        assertEquals(Optional.empty(), KeyValues.parse("a=\"unterminated"));
    }

    @Test
    void kvLineIsOneLineEvenWhenAMessageCarriesCrLf() {
        KeyValueLayout layout = new KeyValueLayout();
        String kv = layout.doLayout(event("session={} result={}", "x1", "accepted"));
        assertTrue(kv.matches("time=\\S+ level=INFO logger=postkontor.smtp session=x1 result=accepted\\R"), kv);
        String free = layout.doLayout(event("client said {}", "HELO x\r\nMAIL FROM:<a@b>"));
        assertEquals(1, free.lines().count(), free);
        assertTrue(free.contains("msg=\"client said HELO x\\r\\nMAIL FROM:<a@b>\""), free);
    }

    @Test
    void jsonLineHasTheKeyValuesAsFields() throws Exception {
        JsonLayout layout = new JsonLayout();
        String line = layout.doLayout(event("session={} user={} level={} result={}", "p9", "alice@example.test", "x",
                "quit"));
        assertEquals(1, line.lines().count());
        JsonNode n = new ObjectMapper().readTree(line);
        assertEquals("INFO", n.get("level").asText());
        assertEquals("postkontor.smtp", n.get("logger").asText());
        assertEquals("p9", n.get("session").asText());
        assertEquals("quit", n.get("result").asText());
        assertEquals("x", n.get("kv_level").asText(), "a clashing key does not overwrite the level");
        JsonNode plain = new ObjectMapper().readTree(layout.doLayout(event("store closed")));
        assertEquals("store closed", plain.get("msg").asText());
        assertFalse(plain.has("session"));
    }
}
