package org.postkontor.store.internal.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The header record that makes a queued message's file self-describing, written in the same file
 * and under the same fsync as the message:
 * <pre>
 *   POSTKONTOR-OUTBOUND 1\n
 *   id: &lt;queue id, the file's name&gt;\n
 *   arrived: &lt;ISO-8601 instant&gt;\n
 *   sender: &lt;address, or nothing for the null sender&gt;\n
 *   rcpt: &lt;address&gt;\n                 one per recipient, in order
 *   \n
 *   &lt;message bytes, CRLF line ends&gt;
 * </pre>
 * Recipients are numbered by their order here; the state log names them by that number. Strict:
 * any other line, a missing field or no blank line within {@value #MAX_HEADER} bytes is invalid.
 */
record OutboundRecord(String id, Instant arrived, String sender, List<String> recipients, long bodyOffset) {

    static final String MAGIC = "POSTKONTOR-OUTBOUND 1";
    static final int MAX_HEADER = 1024 * 1024;

    OutboundRecord {
        recipients = List.copyOf(recipients);
    }

    static byte[] encode(String id, Instant arrived, String sender, List<String> recipients) {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipient");
        }
        StringBuilder b = new StringBuilder(128);
        b.append(MAGIC).append('\n').append("id: ").append(id).append('\n').append("arrived: ").append(arrived)
                .append('\n').append("sender: ").append(field(sender)).append('\n');
        for (String r : recipients) {
            if (r.isEmpty()) {
                throw new IllegalArgumentException("empty recipient");
            }
            b.append("rcpt: ").append(field(r)).append('\n');
        }
        return b.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String field(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("an address cannot hold spaces or controls");
            }
        }
        return v;
    }

    /** Reads the record at the start of a queue file; null if it is not a valid one. */
    static OutboundRecord read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long offset = 0;
        int c;
        while ((c = in.read()) != -1) {
            offset++;
            if (offset > MAX_HEADER) {
                return null;
            }
            if (c != '\n') {
                line.write(c);
                continue;
            }
            String l = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (l.isEmpty()) {
                return parse(lines, offset);
            }
            lines.add(l);
        }
        return null;
    }

    private static OutboundRecord parse(List<String> lines, long offset) {
        if (lines.size() < 5 || !lines.get(0).equals(MAGIC) || !lines.get(1).startsWith("id: ")
                || !lines.get(2).startsWith("arrived: ") || !lines.get(3).startsWith("sender: ")) {
            return null;
        }
        List<String> rcpts = new ArrayList<>();
        for (String l : lines.subList(4, lines.size())) {
            if (!l.startsWith("rcpt: ") || l.length() == 6) {
                return null;
            }
            rcpts.add(l.substring(6));
        }
        try {
            return new OutboundRecord(lines.get(1).substring(4), Instant.parse(lines.get(2).substring(9)),
                    lines.get(3).substring(8), rcpts, offset);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
