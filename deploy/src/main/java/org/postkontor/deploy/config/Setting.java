package org.postkontor.deploy.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One configuration key: its name in the file, its type, its default (as it would be written in
 * the file) and its meaning. The environment variable that overrides it is derived from the name:
 * {@code smtp.max-message-size} → {@code POSTKONTOR_SMTP_MAX_MESSAGE_SIZE}.
 */
public record Setting<T>(String key, ValueType<T> type, String defaultText, String meaning) {

    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*(\\.[a-z0-9]+(-[a-z0-9]+)*)+");
    public static final String ENV_PREFIX = "POSTKONTOR_";

    public Setting {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultText, "defaultText");
        Objects.requireNonNull(meaning, "meaning");
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("bad setting key " + key);
        }
        type.parse(defaultText); // a default that does not parse is a bug here, not an admin mistake
    }

    public String envName() {
        return envName(key);
    }

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The part of the key before the first dot: {@code smtp} of {@code smtp.port}. */
    public String section() {
        return key.substring(0, key.indexOf('.'));
    }
}
