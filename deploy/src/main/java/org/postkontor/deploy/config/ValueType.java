package org.postkontor.deploy.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kind of configuration value: parses the text of a key and says, in words, what is allowed.
 * {@link #parse} throws {@link IllegalArgumentException} for anything not allowed; the caller puts
 * the key's name in front of {@link #allowed()}.
 */
public interface ValueType<T> {

    T parse(String text);

    /** What is allowed, as a phrase: "an integer from 0 to 65535". */
    String allowed();

    static ValueType<Integer> integer(int min, int max) {
        return new ValueType<>() {
            @Override
            public Integer parse(String text) {
                int v;
                try {
                    v = Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not an integer");
                }
                if (v < min || v > max) {
                    throw new IllegalArgumentException("out of range");
                }
                return v;
            }

            @Override
            public String allowed() {
                return "an integer from " + min + " to " + max;
            }
        };
    }

    static ValueType<Integer> port() {
        ValueType<Integer> range = integer(0, 65535);
        return new ValueType<>() {
            @Override
            public Integer parse(String text) {
                return range.parse(text);
            }

            @Override
            public String allowed() {
                return "a TCP port from 0 to 65535 (0 = any free port)";
            }
        };
    }

    /** A byte count: digits, optionally with B, KiB, MiB, GiB or TiB (K, M, G, T, KB, MB, GB, TB mean the same, 1024-based). */
    /** A port, or empty (or {@code off}) for a listener that is off. */
    static ValueType<Optional<Integer>> optionalPort() {
        ValueType<Integer> port = port();
        return new ValueType<>() {
            @Override
            public Optional<Integer> parse(String text) {
                return text.isEmpty() || text.equals("off") ? Optional.empty() : Optional.of(port.parse(text));
            }

            @Override
            public String allowed() {
                return "empty or off (no listener), or " + port.allowed();
            }
        };
    }

    static ValueType<Long> size(long min, long max) {
        Pattern p = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
        return new ValueType<>() {
            @Override
            public Long parse(String text) {
                Matcher m = p.matcher(text);
                if (!m.matches() || (m.group(2).isEmpty() && m.group(3) != null && m.group(3).length() == 2)) {
                    throw new IllegalArgumentException("not a size");
                }
                int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "" -> 0;
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    default -> 40;
                };
                long n;
                try {
                    n = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("too large");
                }
                if (n > (Long.MAX_VALUE >> shift)) {
                    throw new IllegalArgumentException("too large");
                }
                long v = n << shift;
                if (v < min || v > max) {
                    throw new IllegalArgumentException("out of range");
                }
                return v;
            }

            @Override
            public String allowed() {
                return "a size from " + Sizes.format(min) + " to " + Sizes.format(max)
                        + " (bytes, or with a unit: KiB, MiB, GiB, TiB)";
            }
        };
    }

    /** A duration with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}; plain {@code 0} too. */
    static ValueType<Duration> duration(Duration min, Duration max) {
        Pattern p = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
        return new ValueType<>() {
            @Override
            public Duration parse(String text) {
                Duration d;
                if (text.equals("0")) {
                    d = Duration.ZERO;
                } else {
                    Matcher m = p.matcher(text);
                    if (!m.matches()) {
                        throw new IllegalArgumentException("not a duration");
                    }
                    long n;
                    try {
                        n = Long.parseLong(m.group(1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("too large");
                    }
                    try {
                        d = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                            case "ms" -> Duration.ofMillis(n);
                            case "s" -> Duration.ofSeconds(n);
                            case "m" -> Duration.ofMinutes(n);
                            case "h" -> Duration.ofHours(n);
                            default -> Duration.ofDays(n);
                        };
                    } catch (ArithmeticException e) {
                        throw new IllegalArgumentException("too large");
                    }
                }
                if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                    throw new IllegalArgumentException("out of range");
                }
                return d;
            }

            @Override
            public String allowed() {
                return "a duration from " + Durations.format(min) + " to " + Durations.format(max)
                        + " with a unit (ms, s, m, h, d), e.g. 30s";
            }
        };
    }

    static ValueType<Boolean> bool() {
        return new ValueType<>() {
            @Override
            public Boolean parse(String text) {
                return switch (text.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on" -> true;
                    case "false", "no", "off" -> false;
                    default -> throw new IllegalArgumentException("not a boolean");
                };
            }

            @Override
            public String allowed() {
                return "true or false";
            }
        };
    }

    /** One of fixed words, compared without case; returns the word as listed. */
    static ValueType<String> oneOf(String... words) {
        List<String> list = List.of(words);
        return new ValueType<>() {
            @Override
            public String parse(String text) {
                for (String w : list) {
                    if (w.equalsIgnoreCase(text)) {
                        return w;
                    }
                }
                throw new IllegalArgumentException("not one of the words");
            }

            @Override
            public String allowed() {
                return "one of " + String.join(", ", list);
            }
        };
    }

    /** A file or directory path; empty means "not set". Relative paths resolve against the working directory. */
    static ValueType<Optional<Path>> optionalPath() {
        return new ValueType<>() {
            @Override
            public Optional<Path> parse(String text) {
                if (text.isEmpty()) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(Path.of(text));
                } catch (InvalidPathException e) {
                    throw new IllegalArgumentException("not a path");
                }
            }

            @Override
            public String allowed() {
                return "a path (relative to the working directory), or empty";
            }
        };
    }

    static ValueType<Path> path() {
        ValueType<Optional<Path>> opt = optionalPath();
        return new ValueType<>() {
            @Override
            public Path parse(String text) {
                return opt.parse(text).orElseThrow(() -> new IllegalArgumentException("empty"));
            }

            @Override
            public String allowed() {
                return "a non-empty path (relative to the working directory)";
            }
        };
    }

    /** An IP address literal ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}) or {@code localhost}. */
    static ValueType<InetAddress> bindAddress() {
        Pattern literal = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
        return new ValueType<>() {
            @Override
            public InetAddress parse(String text) {
                String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
                if (!t.equalsIgnoreCase("localhost") && !literal.matcher(t).matches()) {
                    throw new IllegalArgumentException("not an IP address");
                }
                try {
                    return t.equalsIgnoreCase("localhost") ? InetAddress.getLoopbackAddress() : InetAddress.getByName(t);
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("not an IP address");
                }
            }

            @Override
            public String allowed() {
                return "an IP address to listen on (0.0.0.0 = all IPv4, :: = all IPv6 and IPv4, 127.0.0.1 = this"
                        + " host only)";
            }
        };
    }

    /** Free text; {@code maxLength} bounds it; {@code pattern} (may be null) restricts it. */
    static ValueType<String> text(int maxLength, Pattern pattern, String what) {
        return new ValueType<>() {
            @Override
            public String parse(String text) {
                if (text.length() > maxLength || (pattern != null && !pattern.matcher(text).matches())) {
                    throw new IllegalArgumentException("not allowed");
                }
                return text;
            }

            @Override
            public String allowed() {
                return what;
            }
        };
    }
    /**
     * A comma-separated list of {@code host[:port]} (IP literals in brackets for IPv6); empty is the
     * empty list. Names are resolved once, at start.
     */
    static ValueType<List<java.net.InetSocketAddress>> hostPorts(int defaultPort) {
        return new ValueType<>() {
            @Override
            public List<java.net.InetSocketAddress> parse(String text) {
                List<java.net.InetSocketAddress> out = new java.util.ArrayList<>();
                if (text.isBlank()) {
                    return out;
                }
                for (String part : text.split(",")) {
                    String p = part.strip();
                    String host = p;
                    int port = defaultPort;
                    int colon = p.lastIndexOf(':');
                    if (p.startsWith("[")) {
                        int close = p.indexOf(']');
                        if (close < 0) {
                            throw new IllegalArgumentException("unclosed [");
                        }
                        host = p.substring(1, close);
                        if (close + 1 < p.length()) {
                            port = portOf(p.substring(close + 1));
                        }
                    } else if (colon > 0 && p.indexOf(':') == colon) {
                        host = p.substring(0, colon);
                        port = portOf(p.substring(colon));
                    }
                    if (host.isEmpty() || !host.matches("[A-Za-z0-9.:-]+")) {
                        throw new IllegalArgumentException("not a host");
                    }
                    out.add(new java.net.InetSocketAddress(host, port));
                }
                return List.copyOf(out);
            }

            private int portOf(String colonPort) {
                if (!colonPort.startsWith(":")) {
                    throw new IllegalArgumentException("not :port");
                }
                int port = Integer.parseInt(colonPort.substring(1));
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port out of range");
                }
                return port;
            }

            @Override
            public String allowed() {
                return "host or host:port, comma-separated (e.g. 127.0.0.1:5353, [::1]:53), or empty";
            }
        };
    }
}
