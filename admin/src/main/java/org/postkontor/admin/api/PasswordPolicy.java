package org.postkontor.admin.api;

import java.util.Locale;
import java.util.Set;
import org.postkontor.store.MailAddress;

/**
 * Refuses passwords an admin should not hand out: empty, shorter than {@value #MIN_LENGTH}
 * characters, longer than {@value #MAX_LENGTH}, with control characters, one character repeated,
 * the user's own name or address, or one of the most common passwords. Applied by the admin API,
 * so the CLI and scripts get the same answer. Imported hashes are not checked (they are not
 * known).
 */
public final class PasswordPolicy {

    public static final int MIN_LENGTH = 8;
    public static final int MAX_LENGTH = 1024;

    private static final Set<String> COMMON = Set.of("password", "password1", "password123", "12345678", "123456789",
            "1234567890", "qwertyui", "qwerty123", "qwertzui", "iloveyou", "letmein1", "welcome1", "passwort",
            "sunshine", "football", "baseball", "abc12345", "changeme", "trustno1", "11111111", "00000000",
            "asdfghjk", "princess", "superman", "admin123", "administrator", "secret12", "test1234");

    private PasswordPolicy() {}

    /** Throws {@link AdminError#badInput} saying what is wrong; never echoes the password. */
    public static void check(MailAddress user, char[] password) throws AdminError {
        check(user.localPart(), user.toString(), password);
    }

    /** The same rules for a web admin's password, {@code name} taking the user name's place. */
    public static void check(String name, char[] password) throws AdminError {
        check(name, name, password);
    }

    private static void check(String localPart, String fullName, char[] password) throws AdminError {
        if (password == null || password.length == 0) {
            throw AdminError.badInput("empty password");
        }
        if (password.length < MIN_LENGTH) {
            throw AdminError.badInput("weak password: fewer than " + MIN_LENGTH + " characters");
        }
        if (password.length > MAX_LENGTH) {
            throw AdminError.badInput("password longer than " + MAX_LENGTH + " characters");
        }
        boolean allSame = true;
        for (char c : password) {
            if (Character.isISOControl(c)) {
                throw AdminError.badInput("password has control characters");
            }
            allSame &= c == password[0];
        }
        if (allSame) {
            throw AdminError.badInput("weak password: one character repeated");
        }
        String lower = new String(password).toLowerCase(Locale.ROOT);
        if (lower.equals(localPart) || lower.equals(fullName) || lower.contains(localPart)
                && localPart.length() >= 4 && lower.length() - localPart.length() < 4) {
            throw AdminError.badInput("weak password: too close to the user name");
        }
        if (COMMON.contains(lower)) {
            throw AdminError.badInput("weak password: one of the most common passwords");
        }
    }
}
