package org.postkontor.deploy.config;

import java.util.ArrayList;
import java.util.List;

/** Renders every setting as a commented {@code .properties} file: the text of {@code deploy/postkontor.properties.example}. */
public final class ExampleFile {
    private ExampleFile() {}

    private static final int WIDTH = 98;

    public static String render() {
        StringBuilder b = new StringBuilder();
        b.append("# Postkontor configuration: every key, with its default and meaning.\n");
        b.append("#\n");
        b.append("# Copy to postkontor.properties (read from the working directory), or pass\n");
        b.append("# --config FILE, or set POSTKONTOR_CONFIG=FILE. With no file at all the defaults below\n");
        b.append("# apply (the embedded default). Uncomment a line to change it.\n");
        b.append("#\n");
        b.append("# Every key can also be set by an environment variable, which wins over the file:\n");
        b.append("# POSTKONTOR_ + the key in capitals with '.' and '-' as '_' (smtp.port -> POSTKONTOR_SMTP_PORT).\n");
        b.append("# `postkontor config check` validates file and environment without starting; an unknown\n");
        b.append("# key, a wrong type or a value out of range stops the start with a message naming the key.\n");
        b.append("#\n");
        b.append("# Sizes: bytes, or with a unit KiB, MiB, GiB, TiB. Durations: a number with ms, s, m, h or d.\n");
        b.append("# Relative paths resolve against the working directory.\n");
        String section = null;
        for (Setting<?> s : Settings.ALL) {
            if (!s.section().equals(section)) {
                section = s.section();
                b.append("\n# ---- ").append(section).append(" ").append("-".repeat(Math.max(4, 40 - section.length())))
                        .append("\n");
            }
            b.append("\n");
            for (String line : wrap(s.meaning() + " Allowed: " + s.type().allowed() + ". Environment: "
                    + s.envName() + ".")) {
                b.append("# ").append(line).append("\n");
            }
            b.append("#").append(s.key()).append("=").append(s.defaultText()).append("\n");
        }
        return b.toString();
    }

    private static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > WIDTH - 2) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
