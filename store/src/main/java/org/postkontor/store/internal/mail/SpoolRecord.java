package org.postkontor.store.internal.mail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.postkontor.store.MaildropEntry;

/**
 * The header record that makes a spool body file self-describing. It is written at the start of
 * the body file, in the same write and the same fsync as the message bytes, so a body at its final
 * path always carries it. If the index ever loses the rows of a body, startup reconciliation
 * rebuilds them from this record ({@code reindexed_body}) instead of quarantining the file.
 * <pre>
 *   POSTKONTOR-SPOOL 1\n
 *   queue-id: &lt;queue id, the file's name&gt;\n
 *   received: &lt;ISO-8601 instant&gt;\n
 *   entry: &lt;mailbox&gt; &lt;uidl&gt;\n        one per mailbox the delivery was for
 *   \n
 *   &lt;message bytes, CRLF line ends&gt;
 * </pre>
 * The index row keeps the header's length ({@code messages.body_offset}); readers skip it. A UIDL
 * has no space (0x21-0x7E), so an entry line splits at its last space. Strict: any other line, a
 * missing field, or no blank line within {@value #MAX_HEADER} bytes makes the record invalid.
 */
record SpoolRecord(String queueId, Instant received, List<Entry> entries, long bodyOffset) {

    static final String MAGIC = "POSTKONTOR-SPOOL 1";
    static final int MAX_HEADER = 1024 * 1024;

    record Entry(String mailbox, String uidl) {}

    SpoolRecord {
        entries = List.copyOf(entries);
    }

    /** The header bytes for a new body file. */
    static byte[] encode(String queueId, Instant received, List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no entry");
        }
        StringBuilder b = new StringBuilder(64 + 80 * entries.size());
        b.append(MAGIC).append('\n');
        b.append("queue-id: ").append(queueId).append('\n');
        b.append("received: ").append(received).append('\n');
        for (Entry e : entries) {
            if (!MaildropEntry.isValidUidl(e.uidl()) || !validMailbox(e.mailbox())) {
                throw new IllegalArgumentException("entry cannot be recorded: " + e);
            }
            b.append("entry: ").append(e.mailbox()).append(' ').append(e.uidl()).append('\n');
        }
        b.append('\n');
        byte[] out = b.toString().getBytes(StandardCharsets.UTF_8);
        if (out.length > MAX_HEADER) {
            throw new IllegalArgumentException("spool record too long");
        }
        return out;
    }

    /** Reads the record at the start of {@code file}; empty if it has none or it is not valid. */
    static Optional<SpoolRecord> read(Path file) throws IOException {
        // most records are a few hundred bytes: read a little, and more only while no blank line
        // has ended the header (startup reads the record of every body)
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4096);
            while (head.length < MAX_HEADER && hasMagic(head) && !endsHeader(head)) {
                byte[] more = in.readNBytes(Math.min(head.length, MAX_HEADER - head.length));
                if (more.length == 0) {
                    break;
                }
                byte[] both = Arrays.copyOf(head, head.length + more.length);
                System.arraycopy(more, 0, both, head.length, more.length);
                head = both;
            }
            return parse(head);
        }
    }

    private static boolean hasMagic(byte[] b) {
        byte[] magic = (MAGIC + "\n").getBytes(StandardCharsets.US_ASCII);
        return b.length >= magic.length && Arrays.equals(b, 0, magic.length, magic, 0, magic.length);
    }

    /** The bytes hold a blank line (the header's end). */
    private static boolean endsHeader(byte[] b) {
        for (int i = 1; i < b.length; i++) {
            if (b[i] == '\n' && b[i - 1] == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Parses a record from the first bytes of a body file; empty if they hold no valid one. */
    static Optional<SpoolRecord> parse(byte[] head) {
        int pos = 0;
        String queueId = null;
        Instant received = null;
        List<Entry> entries = new ArrayList<>();
        boolean first = true;
        while (true) {
            int nl = indexOf(head, (byte) '\n', pos);
            if (nl < 0) {
                return Optional.empty(); // no end of the header within the limit
            }
            String line = new String(head, pos, nl - pos, StandardCharsets.UTF_8);
            pos = nl + 1;
            if (first) {
                if (!line.equals(MAGIC)) {
                    return Optional.empty();
                }
                first = false;
                continue;
            }
            if (line.isEmpty()) {
                break;
            }
            if (line.startsWith("queue-id: ") && queueId == null) {
                queueId = line.substring("queue-id: ".length());
                if (!MaildropEntry.isValidUidl(queueId)) {
                    return Optional.empty();
                }
            } else if (line.startsWith("received: ") && received == null) {
                try {
                    received = Instant.parse(line.substring("received: ".length()));
                } catch (DateTimeParseException e) {
                    return Optional.empty();
                }
            } else if (line.startsWith("entry: ")) {
                String rest = line.substring("entry: ".length());
                int sp = rest.lastIndexOf(' ');
                if (sp <= 0) {
                    return Optional.empty();
                }
                Entry e = new Entry(rest.substring(0, sp), rest.substring(sp + 1));
                if (!validMailbox(e.mailbox()) || !MaildropEntry.isValidUidl(e.uidl()) || entries.contains(e)) {
                    return Optional.empty();
                }
                entries.add(e);
            } else {
                return Optional.empty();
            }
        }
        if (queueId == null || received == null || entries.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SpoolRecord(queueId, received, entries, pos));
    }

    private static boolean validMailbox(String mailbox) {
        if (mailbox.isEmpty() || mailbox.indexOf('@') < 0) {
            return false;
        }
        for (int i = 0; i < mailbox.length(); i++) {
            char ch = mailbox.charAt(i);
            if (ch < 0x20 || ch == 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
