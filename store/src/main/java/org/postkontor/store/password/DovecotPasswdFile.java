package org.postkontor.store.password;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.MailAddress;

/**
 * Reads a Dovecot passwd-file ({@code user:{SCHEME}hash:uid:gid:gecos:home:shell:extra}) into
 * users to import, all or nothing: any line it cannot read makes the whole file fail with a
 * {@link PasswdFileException} naming every such line (up to {@value #MAX_PROBLEMS}).
 *
 * <p>Rules, as Dovecot reads the file: blank lines and lines starting with {@code #} are skipped;
 * only the user and password fields are needed, the others (uid, gid, gecos, home, shell and
 * extra fields) are accepted and ignored; a password without a {@code {SCHEME}} prefix is a
 * crypt(3) string (Dovecot's default scheme for passwd-files) and is stored as
 * {@code {CRYPT}...}. A user name without {@code @domain} takes the given default domain (for
 * per-domain files such as {@code /etc/dovecot/users.%d}) or is an error when none is given.
 * Refused: malformed addresses, empty passwords, schemes {@link Argon2idPasswordHasher} cannot
 * verify, out-of-bounds costs, a user twice, bytes that are not UTF-8, lines over
 * {@value #MAX_LINE} characters.
 */
public final class DovecotPasswdFile {

    public static final int MAX_LINE = 16 * 1024;
    public static final long MAX_FILE = 64L * 1024 * 1024;
    public static final int MAX_PROBLEMS = 50;

    private DovecotPasswdFile() {}

    /** Reads and parses a file; see {@link #parse(byte[], String)}. */
    public static List<ImportedUser> read(Path file, String defaultDomain) throws IOException, PasswdFileException {
        long size = Files.size(file);
        if (size > MAX_FILE) {
            throw new PasswdFileException(List.of(new PasswdFileException.Problem(1,
                    "file larger than " + MAX_FILE + " bytes; not a passwd-file?")));
        }
        return parse(Files.readAllBytes(file), defaultDomain);
    }

    /**
     * @param defaultDomain domain for user names without {@code @}, or null to refuse them
     * @return the users in file order, each with its line number
     */
    public static List<ImportedUser> parse(byte[] content, String defaultDomain) throws PasswdFileException {
        List<ImportedUser> users = new ArrayList<>();
        List<PasswdFileException.Problem> problems = new ArrayList<>();
        Map<MailAddress, Integer> seen = new HashMap<>();
        int lineNo = 0;
        int start = 0;
        while (start < content.length) {
            int end = start;
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            lineNo++;
            int stop = end > start && content[end - 1] == '\r' ? end - 1 : end;
            try {
                ImportedUser u = parseLine(decode(content, start, stop), lineNo, defaultDomain);
                if (u != null) {
                    Integer first = seen.putIfAbsent(u.address(), lineNo);
                    if (first != null) {
                        throw new IllegalArgumentException("user " + u.address() + " is already on line " + first);
                    }
                    users.add(u);
                }
            } catch (IllegalArgumentException e) {
                problems.add(new PasswdFileException.Problem(lineNo, e.getMessage()));
                if (problems.size() >= MAX_PROBLEMS) {
                    break;
                }
            }
            start = end + 1;
        }
        if (!problems.isEmpty()) {
            throw new PasswdFileException(problems);
        }
        return users;
    }

    private static String decode(byte[] content, int from, int to) {
        if (to - from > MAX_LINE * 4) {
            throw new IllegalArgumentException("line longer than " + MAX_LINE + " characters");
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content, from, to - from)).toString();
            if (s.length() > MAX_LINE) {
                throw new IllegalArgumentException("line longer than " + MAX_LINE + " characters");
            }
            return s;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8 text");
        }
    }

    /** One line, or null for a blank line or a comment. */
    static ImportedUser parseLine(String line, int lineNo, String defaultDomain) {
        if (line.isBlank() || line.stripLeading().startsWith("#")) {
            return null;
        }
        String[] f = line.split(":", 8);
        String user = f[0].strip();
        if (user.isEmpty()) {
            throw new IllegalArgumentException("no user name before the first ':'");
        }
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i)) || Character.isWhitespace(user.charAt(i))) {
                throw new IllegalArgumentException("user name has spaces or control characters");
            }
        }
        String shown = user.length() > 100 ? user.substring(0, 100) + "..." : user;
        MailAddress address;
        if (user.indexOf('@') < 0) {
            if (defaultDomain == null) {
                throw new IllegalArgumentException("user name '" + shown + "' has no @domain (give a default domain)");
            }
            user = user + "@" + defaultDomain;
        }
        try {
            address = MailAddress.parse(user);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed address '" + shown + "': " + e.getMessage());
        }
        if (f.length < 2) {
            throw new IllegalArgumentException("user " + address + " has no password field");
        }
        String password = f[1];
        if (password.isEmpty()) {
            throw new IllegalArgumentException("user " + address + " has an empty password field");
        }
        var problem = Argon2idPasswordHasher.problem(password);
        if (problem.isPresent()) {
            throw new IllegalArgumentException("user " + address + ": " + problem.get());
        }
        String stored = password.charAt(0) == '{' ? password : "{CRYPT}" + password;
        return new ImportedUser(address, stored, lineNo);
    }
}
