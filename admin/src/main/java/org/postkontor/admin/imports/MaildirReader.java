package org.postkontor.admin.imports;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.postkontor.store.MaildropEntry;

/**
 * Reads the INBOX of a Maildir (its {@code cur/} and {@code new/}; subfolders such as
 * {@code .Sent} are not POP3's and are left alone) into messages to import, checking every file
 * before anything is delivered.
 *
 * <p>UIDLs, so that clients that leave mail on the server download nothing twice: a {@code P}
 * (POP3 UIDL) field of {@code dovecot-uidlist}, else the UID and UIDVALIDITY of
 * {@code dovecot-uidlist} in Dovecot's {@code pop3_uidl_format} (default {@code %08Xu%08Xv}), else
 * an {@code X-UIDL} header, else one derived from the content. Order: by UID, then files
 * {@code dovecot-uidlist} does not list, by name (Maildir names start with the delivery time).
 *
 * <p>A file is corrupt (an error naming it; nothing is delivered) if it cannot be read, is empty,
 * its size differs from the {@code S=} size in its name, or it does not start with a header field.
 */
public final class MaildirReader {

    private static final Pattern SIZE = Pattern.compile(",S=(\\d+)");

    private MaildirReader() {}

    private record File(Path path, String sub, String name, String base, long size) {}

    public static List<ImportMessage> scan(Path dir, UidlFormat format) throws IOException, ImportException {
        Path cur = dir.resolve("cur");
        Path nw = dir.resolve("new");
        if (!Files.isDirectory(cur) && !Files.isDirectory(nw)) {
            throw new ImportException(dir + ": not a Maildir (no cur/ or new/)");
        }
        DovecotUidList uidlist = null;
        if (Files.isRegularFile(dir.resolve(DovecotUidList.FILE_NAME))) {
            uidlist = DovecotUidList.read(dir.resolve(DovecotUidList.FILE_NAME));
        }
        List<File> files = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path sub : List.of(cur, nw)) {
            if (!Files.isDirectory(sub)) {
                continue;
            }
            try (Stream<Path> s = Files.list(sub)) {
                for (Path p : s.sorted().toList()) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    String where = sub.getFileName() + "/" + name;
                    if (!Files.isRegularFile(p)) {
                        errors.add(where + ": not a regular file");
                        continue;
                    }
                    int info = name.indexOf(':');
                    String base = info < 0 ? name : name.substring(0, info);
                    long size = Files.size(p);
                    String problem = check(p, base, size);
                    if (problem != null) {
                        errors.add(where + ": " + problem);
                        continue;
                    }
                    files.add(new File(p, sub.getFileName().toString(), name, base, size));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ImportException(errors);
        }
        final DovecotUidList ul = uidlist;
        Comparator<File> order = Comparator.comparingLong((File f) -> {
            DovecotUidList.Entry e = ul == null ? null : ul.byBaseName().get(f.base());
            return e == null ? Long.MAX_VALUE : e.uid();
        }).thenComparing(File::name);
        files.sort(order);
        List<ImportMessage> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (File f : files) {
            DovecotUidList.Entry e = ul == null ? null : ul.byBaseName().get(f.base());
            String uidl = null;
            if (e != null && e.pop3Uidl() != null && MaildropEntry.isValidUidl(e.pop3Uidl())) {
                uidl = e.pop3Uidl();
            } else if (e != null) {
                uidl = format.format(e.uid(), ul.uidValidity(), e.guid() != null ? e.guid() : f.base(), f.base());
                if (!MaildropEntry.isValidUidl(uidl)) {
                    uidl = null;
                }
            }
            if (uidl == null) {
                uidl = MessageHeaders.uidl(xUidl(f.path()));
            }
            if (uidl == null) {
                try (InputStream in = Files.newInputStream(f.path())) {
                    uidl = FileRegion.contentUidl(in);
                }
            }
            int n = seen.merge(uidl, 1, Integer::sum);
            if (n > 1) {
                uidl = uidl.length() > 60 ? uidl.substring(0, 60) + "-" + n : uidl + "-" + n;
            }
            Path p = f.path();
            out.add(new ImportMessage(uidl, f.size(), f.sub() + "/" + f.name(), () -> Files.newInputStream(p)));
        }
        return out;
    }

    /** Why the file is corrupt, or null. */
    private static String check(Path p, String base, long size) {
        if (size == 0) {
            return "empty file (corrupt)";
        }
        Matcher m = SIZE.matcher(base);
        if (m.find() && Long.parseLong(m.group(1)) != size) {
            return "file is " + size + " bytes but its name says S=" + m.group(1) + " (truncated or corrupt)";
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
            LineScanner s = new LineScanner(in);
            if (!s.next() || !MessageHeaders.isFieldStart(s.line, s.contentLength())) {
                return "does not start with a header field (corrupt, or not a message)";
            }
            for (int i = 0; i < s.kept; i++) {
                if (s.line[i] == 0) {
                    return "NUL bytes in the header (corrupt)";
                }
            }
        } catch (IOException e) {
            return "cannot read: " + e.getMessage();
        }
        return null;
    }

    private static String xUidl(Path p) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
            LineScanner s = new LineScanner(in);
            int lines = 0;
            while (s.next() && !s.isBlank() && lines++ < 10_000) {
                String v = MessageHeaders.value(s.line, s.contentLength(), "X-UIDL");
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }
}
