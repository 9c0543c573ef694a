package org.postkontor.deploy.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration's text before it is checked: defaults, then the file, then
 * {@code POSTKONTOR_*} environment variables, each value remembering where it came from.
 */
public final class RawConfig {

    /** Environment variables with the prefix that are not config keys (used by the scripts and the admin CLI). */
    static final Set<String> RESERVED_ENV = Set.of("POSTKONTOR_CONFIG", "POSTKONTOR_JAVA_OPTS",
            "POSTKONTOR_ADMIN_TOKEN", "POSTKONTOR_ADMIN_URL", "POSTKONTOR_HOME");

    /** One value and where it came from ("default", "in FILE", "from POSTKONTOR_X"). */
    public record Value(String text, String origin) {}

    private final Map<String, Value> values;
    private final List<String> problems;
    private final Optional<Path> file;

    private RawConfig(Map<String, Value> values, List<String> problems, Optional<Path> file) {
        this.values = values;
        this.problems = problems;
        this.file = file;
    }

    /**
     * Reads {@code file} (if present) and the environment. Unknown keys and unknown
     * {@code POSTKONTOR_*} variables of a known section are recorded as problems, with a
     * suggestion when a known key is close.
     */
    public static RawConfig read(Optional<Path> file, Map<String, String> env) throws ConfigException {
        Map<String, Setting<?>> known = Settings.byKey();
        Map<String, Value> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Setting<?> s : Settings.ALL) {
            values.put(s.key(), new Value(s.defaultText(), "default"));
        }
        if (file.isPresent()) {
            Path f = file.get();
            String origin = "in " + f;
            for (Map.Entry<String, String> e : load(f, problems).entrySet()) {
                String key = e.getKey().trim();
                if (!known.containsKey(key)) {
                    problems.add(key + " (" + origin + "): unknown key" + suggestion(key, known.keySet())
                            + "; every key is listed in deploy/postkontor.properties.example");
                    continue;
                }
                values.put(key, new Value(e.getValue().trim(), origin));
            }
        }
        Map<String, String> envByName = new TreeMap<>(env);
        Map<String, String> keyByEnv = new LinkedHashMap<>();
        for (Setting<?> s : Settings.ALL) {
            keyByEnv.put(s.envName(), s.key());
        }
        Set<String> sections = new java.util.HashSet<>();
        for (Setting<?> s : Settings.ALL) {
            sections.add(Setting.ENV_PREFIX + s.section().toUpperCase(java.util.Locale.ROOT) + "_");
        }
        sections.add(Setting.ENV_PREFIX + "POP3S_"); // an easy guess for the port-995 listener: say where it is
        for (Map.Entry<String, String> e : envByName.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(Setting.ENV_PREFIX) || RESERVED_ENV.contains(name)) {
                continue;
            }
            String key = keyByEnv.get(name);
            if (key == null) {
                if (sections.stream().anyMatch(name::startsWith)) {
                    String hint = name.startsWith(Setting.ENV_PREFIX + "POP3S_")
                            ? " (port 995 is pop3.tls-port / POSTKONTOR_POP3_TLS_PORT; both POP3 listeners use pop3.bind)"
                            : suggestion(name, keyByEnv.keySet());
                    problems.add(name + " (environment): unknown variable" + hint
                            + "; each key has one, e.g. smtp.port is POSTKONTOR_SMTP_PORT");
                }
                continue;
            }
            values.put(key, new Value(e.getValue().trim(), "from " + name));
        }
        return new RawConfig(values, problems, file);
    }

    private static Map<String, String> load(Path f, List<String> problems) throws ConfigException {
        Map<String, String> seen = new LinkedHashMap<>();
        Properties p = new Properties() {
            @Override
            public synchronized Object put(Object key, Object value) {
                String k = ((String) key).trim();
                if (seen.containsKey(k)) {
                    problems.add(k + " (in " + f + "): set twice; keep one line");
                }
                seen.put(k, (String) value);
                return super.put(key, value);
            }
        };
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (Reader r = new java.io.InputStreamReader(Files.newInputStream(f), decoder)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + f + " does not exist");
        } catch (CharacterCodingException e) {
            throw new ConfigException("config file " + f + " is not UTF-8 text");
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config file " + f + " has a malformed \\uXXXX escape");
        } catch (IOException e) {
            throw new ConfigException("config file " + f + " cannot be read: " + e.getMessage());
        }
        return seen;
    }

    private static String suggestion(String wrong, Set<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(wrong.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, wrong.length() / 4) ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    public Optional<Path> file() {
        return file;
    }

    /** Problems found while reading (unknown keys, duplicates). */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    public Value value(Setting<?> s) {
        return values.get(s.key());
    }

    /**
     * Parses a setting; on a bad value records a problem naming the key, where the value came
     * from and what is allowed, and returns the default.
     */
    public <T> T get(Setting<T> s, List<String> out) {
        Value v = values.get(s.key());
        try {
            return s.type().parse(v.text());
        } catch (IllegalArgumentException e) {
            String problem = s.key() + " = \"" + printable(v.text()) + "\" (" + v.origin() + "): must be " + s.type().allowed();
            if (!out.contains(problem)) {
                out.add(problem);
            }
            return s.type().parse(s.defaultText());
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
