package org.postkontor.submit.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The header section of a message (RFC 5322 §2.2) as raw fields, each with its folding and its
 * line ends normalized to CRLF, and the octets it took (the empty line included), so the body can
 * be read after it. Bounded: a header section over {@value #MAX_OCTETS} octets is refused.
 */
public record HeaderBlock(List<Field> fields, long octets) {

    /** RFC 5322 sets no limit; this is far beyond any real message's header. */
    public static final int MAX_OCTETS = 1024 * 1024;

    /** One field as it is in the message ({@code raw}, CRLF-terminated, folding kept). */
    public record Field(String name, String raw) {
        /** The value, unfolded, without the name, colon and surrounding whitespace. */
        public String value() {
            int colon = raw.indexOf(':');
            return raw.substring(colon + 1).replace("\r\n", "").strip();
        }
    }

    public HeaderBlock {
        fields = List.copyOf(fields);
    }

    /** Reads the header section from the start of {@code in}, leaving the stream after the empty line. */
    public static HeaderBlock read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        long octets = 0;
        int c;
        boolean ended = false;
        while ((c = in.read()) != -1) {
            octets++;
            if (octets > MAX_OCTETS) {
                throw new IOException("header section over " + MAX_OCTETS + " octets");
            }
            if (c != '\n') {
                line.write(c);
                continue;
            }
            byte[] b = line.toByteArray();
            int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
            line.reset();
            if (len == 0) {
                ended = true;
                break;
            }
            lines.add(new String(b, 0, len, StandardCharsets.UTF_8));
        }
        if (!ended && line.size() > 0) {
            lines.add(line.toString(StandardCharsets.UTF_8));
        }
        List<Field> fields = new ArrayList<>();
        StringBuilder raw = null;
        String name = null;
        for (String l : lines) {
            boolean continuation = !l.isEmpty() && (l.charAt(0) == ' ' || l.charAt(0) == '\t');
            if (continuation && raw != null) {
                raw.append(l).append("\r\n");
                continue;
            }
            if (raw != null) {
                fields.add(new Field(name, raw.toString()));
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                // not a field (a body without a header, or garbage): what follows is body
                raw = null;
                break;
            }
            name = l.substring(0, colon).strip();
            raw = new StringBuilder(l).append("\r\n");
        }
        if (raw != null) {
            fields.add(new Field(name, raw.toString()));
        }
        return new HeaderBlock(fields, octets);
    }

    /** The first field of this name (case-insensitive). */
    public Optional<Field> first(String name) {
        return fields.stream().filter(f -> f.name().equalsIgnoreCase(name)).findFirst();
    }

    public long count(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return fields.stream().filter(f -> f.name().toLowerCase(Locale.ROOT).equals(n)).count();
    }
}
