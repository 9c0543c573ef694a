package org.postkontor.admin.imports;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads an mbox file into messages to import, checking the whole file before anything is
 * delivered.
 *
 * <p>A message starts after a {@code From } separator line. Line 1 must be one. Later, a line
 * starting with {@code From } is a separator only if it follows a blank line, looks like one
 * ({@code From <sender> <weekday> <month> <day> <time> ... <year>}), lies past the previous
 * message's {@code Content-Length} body (when it has one), and is followed by a header field;
 * any other {@code From } line is body text, kept as it is and reported as a warning (a writer
 * that did not quote it). The blank line before each separator belongs to the mbox, not to the
 * message. {@code >From } lines are unquoted: {@link Quoting#MBOXRD} removes one {@code >} from
 * any {@code >…>From } line, {@link Quoting#MBOXO} only from {@code >From }.
 *
 * <p>UIDLs: an {@code X-UIDL} header (the old POP3 server's), else Dovecot's format from
 * {@code X-UID} and the folder's UIDVALIDITY ({@code X-IMAPbase}/{@code X-IMAP} of the first
 * message), else one derived from the content. The pseudo message that holds {@code X-IMAP}
 * folder data is skipped.
 *
 * <p>Errors (nothing is delivered): the file does not start with {@code From }, a message has no
 * header, or a message is empty.
 */
public final class MboxReader {

    public enum Quoting { MBOXRD, MBOXO }

    public record Result(List<ImportMessage> messages, List<String> warnings) {}

    static final int MAX_WARNINGS = 20;

    private static final byte[] FROM = "From ".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern SEPARATOR = Pattern.compile(
            "From \\S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +"
                    + "\\d{1,2} +\\d{1,2}:\\d\\d(?::\\d\\d)?(?: +\\S+)*? +\\d{4}(?: +\\S+)?\\s*");

    private MboxReader() {}

    /** What the scan learned of one message. */
    private static final class Found {
        final long start;
        final int line;
        long end = -1;
        boolean inHeaders = true;
        boolean anyHeader;
        long bodyStart = -1;
        long contentLength = -1;
        String xUidl;
        long xUid = -1;
        String xImap;

        Found(long start, int line) {
            this.start = start;
            this.line = line;
        }
    }

    public static Result scan(Path file, Quoting quoting, UidlFormat format) throws IOException, ImportException {
        List<Found> found = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int bodyFromLines = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            LineScanner s = new LineScanner(in);
            if (!s.next() || !s.startsWith(FROM)) {
                throw new ImportException("line 1: not an mbox file (it must start with a 'From ' line)");
            }
            Found cur = new Found(s.offset(), 1);
            found.add(cur);
            long prevBlankStart = -1;
            boolean prevBlank = false;
            // a candidate separator waiting for its next line
            long pendingBlankStart = -1;
            long pendingEnd = -1;
            int pendingLine = -1;
            while (s.next()) {
                if (pendingLine > 0) {
                    if (MessageHeaders.isFieldStart(s.line, s.contentLength())) {
                        cur.end = pendingBlankStart;
                        cur = new Found(pendingEnd, pendingLine);
                        found.add(cur);
                    } else {
                        bodyFromLines++;
                        warn(warnings, "line " + pendingLine + ": 'From ' line inside a message body (no header "
                                + "follows it), kept as body text");
                    }
                    pendingLine = -1;
                }
                boolean blank = s.isBlank();
                if (cur.inHeaders) {
                    if (blank) {
                        cur.inHeaders = false;
                        cur.bodyStart = s.offset();
                    } else if (MessageHeaders.isFieldStart(s.line, s.contentLength())) {
                        cur.anyHeader = true;
                        header(cur, s);
                    } else if (!cur.anyHeader) {
                        errors.add("line " + s.lineNumber + ": the message that starts on line " + cur.line
                                + " has no header (is the file an mbox?)");
                        cur.inHeaders = false;
                    }
                } else if (s.startsWith(FROM)) {
                    String text = new String(s.line, 0, s.contentLength(), StandardCharsets.ISO_8859_1);
                    boolean insideLength = cur.contentLength >= 0 && cur.bodyStart >= 0
                            && s.lineStart < cur.bodyStart + cur.contentLength;
                    if (prevBlank && SEPARATOR.matcher(text).matches() && !insideLength) {
                        pendingBlankStart = prevBlankStart;
                        pendingEnd = s.offset();
                        pendingLine = s.lineNumber;
                    } else {
                        bodyFromLines++;
                        warn(warnings, "line " + s.lineNumber + ": unquoted 'From ' line inside a message body, "
                                + "kept as body text");
                    }
                }
                if (blank) {
                    prevBlankStart = s.lineStart;
                }
                prevBlank = blank;
                if (errors.size() >= MAX_WARNINGS) {
                    break;
                }
            }
            if (pendingLine > 0) {
                // a separator line at the very end: an empty last message
                cur.end = pendingBlankStart;
                Found last = new Found(pendingEnd, pendingLine);
                last.end = pendingEnd;
                found.add(last);
            }
            if (cur.end < 0) {
                cur.end = prevBlank ? prevBlankStart : s.offset();
            }
        }
        if (bodyFromLines > MAX_WARNINGS) {
            warnings.add("... " + (bodyFromLines - MAX_WARNINGS) + " more 'From ' lines kept as body text");
        }
        for (Found f : found) {
            if (f.end <= f.start) {
                errors.add("line " + f.line + ": empty message");
            } else if (!f.anyHeader && errors.stream().noneMatch(e -> e.contains("starts on line " + f.line + " "))) {
                errors.add("line " + f.line + ": the message that starts here has no header");
            }
        }
        if (!errors.isEmpty()) {
            throw new ImportException(errors);
        }
        return new Result(messages(file, found, quoting, format), warnings);
    }

    private static void warn(List<String> warnings, String w) {
        if (warnings.size() < MAX_WARNINGS) {
            warnings.add(w);
        }
    }

    private static void header(Found f, LineScanner s) {
        int len = s.contentLength();
        String v;
        if ((v = MessageHeaders.value(s.line, len, "X-UIDL")) != null) {
            f.xUidl = v;
        } else if ((v = MessageHeaders.value(s.line, len, "X-UID")) != null) {
            try {
                f.xUid = Long.parseLong(v);
            } catch (NumberFormatException e) {
                f.xUid = -1;
            }
        } else if ((v = MessageHeaders.value(s.line, len, "X-IMAPbase")) != null
                || (v = MessageHeaders.value(s.line, len, "X-IMAP")) != null) {
            f.xImap = v;
        } else if ((v = MessageHeaders.value(s.line, len, "Content-Length")) != null) {
            try {
                f.contentLength = Long.parseLong(v);
            } catch (NumberFormatException e) {
                f.contentLength = -1;
            }
        }
    }

    private static List<ImportMessage> messages(Path file, List<Found> found, Quoting quoting, UidlFormat format)
            throws IOException {
        long uidValidity = -1;
        int first = 0;
        if (!found.isEmpty() && found.get(0).xImap != null) {
            uidValidity = firstNumber(found.get(0).xImap);
            if (isPseudo(file, found.get(0))) {
                first = 1;
            }
        }
        List<ImportMessage> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = first; i < found.size(); i++) {
            Found f = found.get(i);
            long length = f.end - f.start;
            ImportMessage.Opener opener = () -> unquote(FileRegion.open(file, f.start, length), quoting);
            String uidl = MessageHeaders.uidl(f.xUidl);
            if (uidl == null && f.xUid > 0 && uidValidity > 0 && format.needsUids()) {
                uidl = format.format(f.xUid, uidValidity, null, null);
                if (!org.postkontor.store.MaildropEntry.isValidUidl(uidl)) {
                    uidl = null;
                }
            }
            if (uidl == null) {
                try (InputStream in = opener.open()) {
                    uidl = FileRegion.contentUidl(in);
                }
            }
            int n = seen.merge(uidl, 1, Integer::sum);
            if (n > 1) {
                uidl = uidl.length() > 60 ? uidl.substring(0, 60) + "-" + n : uidl + "-" + n;
            }
            out.add(new ImportMessage(uidl, length, "line " + f.line, opener));
        }
        return out;
    }

    /** UW-IMAP/Dovecot's folder-data message: X-IMAP header and the well-known subject. */
    private static boolean isPseudo(Path file, Found f) throws IOException {
        try (InputStream in = FileRegion.open(file, f.start, Math.min(f.end - f.start, 8192))) {
            String head = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return head.contains("FOLDER INTERNAL DATA") || head.regionMatches(true, 0, "X-IMAP:", 0, 7)
                    && head.contains("\nX-IMAP");
        }
    }

    private static long firstNumber(String s) {
        String[] p = s.strip().split("\\s+");
        try {
            return Long.parseLong(p[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Removes one {@code >} from quoted {@code From } lines. */
    static InputStream unquote(InputStream raw, Quoting quoting) {
        return new FilterInputStream(new BufferedInputStream(raw, 64 * 1024)) {
            boolean lineStart = true;

            @Override
            public int read() throws IOException {
                if (lineStart) {
                    lineStart = false;
                    in.mark(1024);
                    byte[] head = new byte[1024];
                    int n = 0;
                    int b;
                    while (n < head.length && (b = in.read()) >= 0) {
                        head[n++] = (byte) b;
                        if (b != '>') {
                            break;
                        }
                    }
                    int quotes = n > 0 && head[n - 1] != '>' ? n - 1 : n;
                    in.reset();
                    if (quotes >= 1 && (quoting == Quoting.MBOXRD || quotes == 1)) {
                        in.mark(1024 + 5);
                        in.skipNBytes(quotes);
                        byte[] from = in.readNBytes(5);
                        in.reset();
                        if (java.util.Arrays.equals(from, FROM)) {
                            in.skipNBytes(1);
                        }
                    }
                }
                int b = in.read();
                if (b == '\n') {
                    lineStart = true;
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                int i = 0;
                while (i < len) {
                    int b = read();
                    if (b < 0) {
                        return i == 0 ? -1 : i;
                    }
                    buf[off + i++] = (byte) b;
                    if (b == '\n' && in.available() == 0) {
                        break;
                    }
                }
                return i;
            }

            @Override
            public long skip(long n) throws IOException {
                long k = 0;
                while (k < n && read() >= 0) {
                    k++;
                }
                return k;
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
    }
}
