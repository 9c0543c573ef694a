package org.postkontor.pop3;

import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * What a command answers. Handlers return one of these and never write to a socket; the transport
 * turns it into bytes. Texts are fixed by the server, never client input.
 */
public sealed interface Reply {

    /** {@code +OK text}. */
    record Ok(String text) implements Reply {
        public Ok {
            requireSafe(text);
        }
    }

    /** {@code -ERR [CODE] text}; {@code code} may be null. */
    record Err(ResponseCode code, String text) implements Reply {
        public Err {
            requireSafe(text);
        }
    }

    /**
     * {@code +OK first}, then lines (dot-stuffed by the transport), then {@code .}. For small,
     * server-made lists (CAPA, LIST, UIDL).
     */
    record Lines(String first, List<String> lines) implements Reply {
        public Lines {
            requireSafe(first);
            lines = List.copyOf(lines);
            lines.forEach(Reply::requireSafe);
        }
    }

    /**
     * {@code +OK first}, then a message body streamed from {@code body}, dot-stuffed, then
     * {@code .}. {@code bodyLines} is -1 for the whole message (RETR) or the number of body lines
     * after the header (TOP). The transport closes {@code body}.
     */
    record Body(String first, InputStream body, long bodyLines) implements Reply {
        public Body {
            requireSafe(first);
            Objects.requireNonNull(body, "body");
            if (bodyLines < -1) {
                throw new IllegalArgumentException("bodyLines must be -1 (all) or >= 0");
            }
        }
    }

    /** SASL server challenge, {@code + base64} (RFC 5034 §4); the next line is the client's response. */
    record Challenge(String base64) implements Reply {
        public Challenge {
            requireSafe(base64);
        }
    }

    /**
     * STLS accepted (RFC 2595 §4): the transport starts TLS, then writes {@code +OK text}, and
     * drops whatever the client sent after the STLS line.
     */
    record StartTls(String text) implements Reply {
        public StartTls {
            requireSafe(text);
        }
    }

    /** The status line of this reply, without CRLF. */
    default String statusLine() {
        return switch (this) {
            case Ok ok -> ok.text().isEmpty() ? "+OK" : "+OK " + ok.text();
            case Err err -> err.code() == null ? "-ERR " + err.text() : "-ERR [" + err.code().text() + "] " + err.text();
            case Lines lines -> lines.first().isEmpty() ? "+OK" : "+OK " + lines.first();
            case Body body -> "+OK " + body.first();
            case Challenge c -> "+ " + c.base64();
            case StartTls s -> "+OK " + s.text();
        };
    }

    static Err err(String text) {
        return new Err(null, text);
    }

    static Err err(ResponseCode code, String text) {
        return new Err(code, text);
    }

    static Ok ok(String text) {
        return new Ok(text);
    }

    private static void requireSafe(String s) {
        Objects.requireNonNull(s);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n') {
                throw new IllegalArgumentException("reply text must not contain CR or LF");
            }
        }
    }
}
