package org.postkontor.admin.imports;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dovecot's {@code dovecot-uidlist} of a Maildir: the folder's UIDVALIDITY and, per file, its IMAP
 * UID and extension fields ({@code P} a POP3 UIDL set by a migration, {@code G} a GUID). Versions
 * 1 ({@code 1 <uidvalidity> <nextuid>}, then {@code <uid> <file>}) and 3 ({@code 3 V<uidvalidity>
 * N<nextuid> ...}, then {@code <uid> [ext...] :<file>}) are read. Files are keyed by their base
 * name (up to the {@code :} of the Maildir info).
 */
record DovecotUidList(long uidValidity, Map<String, Entry> byBaseName) {

    static final String FILE_NAME = "dovecot-uidlist";

    record Entry(long uid, String pop3Uidl, String guid) {}

    static DovecotUidList read(Path file) throws IOException, ImportException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        List<String> errors = new ArrayList<>();
        if (lines.isEmpty()) {
            throw new ImportException(FILE_NAME + " line 1: empty file");
        }
        String[] head = lines.get(0).strip().split(" +");
        long validity = -1;
        int version;
        try {
            version = Integer.parseInt(head[0]);
            if (version == 1 && head.length >= 2) {
                validity = Long.parseLong(head[1]);
            } else if (version == 3) {
                for (int i = 1; i < head.length; i++) {
                    if (head[i].startsWith("V")) {
                        validity = Long.parseLong(head[i].substring(1));
                    }
                }
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new ImportException(FILE_NAME + " line 1: not a dovecot-uidlist header (version 1 or 3)");
        }
        if (validity <= 0) {
            throw new ImportException(FILE_NAME + " line 1: no UIDVALIDITY");
        }
        Map<String, Entry> map = new HashMap<>();
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            String where = FILE_NAME + " line " + (n + 1) + ": ";
            try {
                int sp = line.indexOf(' ');
                if (sp <= 0) {
                    throw new NumberFormatException();
                }
                long uid = Long.parseLong(line.substring(0, sp));
                String rest = line.substring(sp + 1);
                String name;
                String pop3 = null;
                String guid = null;
                if (version == 3) {
                    int colon = rest.startsWith(":") ? 0 : rest.indexOf(" :");
                    if (colon < 0) {
                        throw new IllegalArgumentException("no ':<file name>'");
                    }
                    String ext = colon == 0 ? "" : rest.substring(0, colon);
                    name = rest.substring(colon == 0 ? 1 : colon + 2);
                    for (String e : ext.split(" +")) {
                        if (e.startsWith("P")) {
                            pop3 = e.substring(1);
                        } else if (e.startsWith("G")) {
                            guid = e.substring(1);
                        }
                    }
                } else {
                    name = rest.strip();
                }
                if (uid <= 0 || name.isEmpty()) {
                    throw new IllegalArgumentException("bad UID or file name");
                }
                int info = name.indexOf(':');
                String base = info < 0 ? name : name.substring(0, info);
                if (map.put(base, new Entry(uid, pop3, guid)) != null) {
                    errors.add(where + "file listed twice");
                }
            } catch (NumberFormatException e) {
                errors.add(where + "not '<uid> ... :<file>'");
            } catch (IllegalArgumentException e) {
                errors.add(where + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new ImportException(errors);
        }
        return new DovecotUidList(validity, Map.copyOf(map));
    }
}
