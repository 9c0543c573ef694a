package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.postkontor.admin.api.AdminError;

/**
 * Reads a new password: prompted twice on the terminal without echo, or the first line of
 * standard input with {@code --password-stdin} (for scripts: {@code printf '%s\n' "$pw" | ...}).
 * Never from the command line, where {@code ps} and shell history would show it.
 */
final class PasswordInput {

    /** Longest password line read from stdin. */
    static final int MAX = 4096;

    private PasswordInput() {}

    /**
     * A request body {@code {"password": ...}} with the password read as {@link #read} reads it;
     * the caller adds the other fields.
     */
    static ObjectNode body(AdminCommand a, boolean fromStdin, String forWhom) throws AdminError {
        char[] pw = read(fromStdin, a.stdin(), forWhom);
        try {
            return a.mapper().createObjectNode().put("password", new String(pw));
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    static char[] read(boolean fromStdin, InputStream stdin, String forWhom) throws AdminError {
        if (fromStdin) {
            return fromStream(stdin);
        }
        Console console = System.console();
        if (console == null || !Progress.terminal()) {
            throw AdminError.badInput("no terminal to ask for the password: give it on standard input with "
                    + "--password-stdin");
        }
        char[] first = console.readPassword("New password for %s: ", forWhom);
        char[] again = console.readPassword("Again: ");
        if (first == null || again == null) {
            throw AdminError.badInput("no password given");
        }
        try {
            if (!Arrays.equals(first, again)) {
                Arrays.fill(first, '\0');
                throw AdminError.badInput("the two passwords differ");
            }
            return first;
        } finally {
            Arrays.fill(again, '\0');
        }
    }

    /** The first line (without CR/LF), strict UTF-8. */
    static char[] fromStream(InputStream in) throws AdminError {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (buf.size() >= MAX) {
                    throw AdminError.badInput("password line longer than " + MAX + " bytes");
                }
                buf.write(c);
            }
        } catch (IOException e) {
            throw AdminError.badInput("cannot read the password from standard input");
        }
        byte[] raw = buf.toByteArray();
        int len = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw, 0, len));
            char[] pw = new char[cb.remaining()];
            cb.get(pw);
            if (cb.hasArray()) {
                Arrays.fill(cb.array(), '\0');
            }
            return pw;
        } catch (CharacterCodingException e) {
            throw AdminError.badInput("the password on standard input is not UTF-8");
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
