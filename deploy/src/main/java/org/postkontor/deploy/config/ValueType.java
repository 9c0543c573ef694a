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

    /** A comma-separated list (spaces around items ignored); empty = none. Each item is parsed by {@code item}. */
    static <T> ValueType<List<T>> list(ValueType<T> item) {
        return new ValueType<>() {
            @Override
            public List<T> parse(String text) {
                if (text.isBlank()) {
                    return List.of();
                }
                List<T> out = new java.util.ArrayList<>();
                for (String part : text.split(",", -1)) {
                    out.add(item.parse(part.strip()));
                }
                return List.copyOf(out);
            }

            @Override
            public String allowed() {
                return "a comma-separated list, each " + item.allowed() + ", or empty";
            }
        };
    }

    /** A decimal number from {@code min} to {@code max}, or empty (= not set). */
    static ValueType<java.util.OptionalDouble> optionalDecimal(double min, double max) {
        return new ValueType<>() {
            @Override
            public java.util.OptionalDouble parse(String text) {
                if (text.isEmpty()) {
                    return java.util.OptionalDouble.empty();
                }
                if (!text.matches("-?\\d{1,6}(\\.\\d{1,6})?")) {
                    throw new IllegalArgumentException("not a number");
                }
                double v = Double.parseDouble(text);
                if (v < min || v > max) {
                    throw new IllegalArgumentException("out of range");
                }
                return java.util.OptionalDouble.of(v);
            }

            @Override
            public String allowed() {
                return "a number from " + min + " to " + max + " (e.g. 10.5), or empty";
            }
        };
    }

    /** An http:// or https:// URL with a host, or empty (= not set). */
    static ValueType<Optional<java.net.URI>> optionalHttpUrl() {
        return new ValueType<>() {
            @Override
            public Optional<java.net.URI> parse(String text) {
                if (text.isEmpty()) {
                    return Optional.empty();
                }
                java.net.URI u;
                try {
                    u = new java.net.URI(text);
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("not a URL");
                }
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                        || u.getQuery() != null || u.getFragment() != null || u.getUserInfo() != null) {
                    throw new IllegalArgumentException("not an http URL");
                }
                return Optional.of(u);
            }

            @Override
            public String allowed() {
                return "an http:// or https:// URL with a host and no query (e.g. http://rspamd:11333), or empty";
            }
        };
    }

    /** {@code host:port} or {@code [v6]:port} of a server, or empty (= not set). */
    static ValueType<Optional<java.net.InetSocketAddress>> optionalHostPort(int defaultPort) {
        Pattern p = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(:(\\d{1,5}))?");
        return new ValueType<>() {
            @Override
            public Optional<java.net.InetSocketAddress> parse(String text) {
                if (text.isEmpty()) {
                    return Optional.empty();
                }
                Matcher m = p.matcher(text);
                if (!m.matches()) {
                    throw new IllegalArgumentException("not host:port");
                }
                int port = m.group(3) == null ? defaultPort : Integer.parseInt(m.group(3));
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("bad port");
                }
                String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
                return Optional.of(java.net.InetSocketAddress.createUnresolved(host, port));
            }

            @Override
            public String allowed() {
                return "host or host:port (port " + defaultPort + " when left out), or empty";
            }
        };
    }

    /**
     * A comma-separated list of {@code host[:port]} (IPv6 literals in brackets); empty is the empty
     * list. Names are resolved once, at start.
     */
    static ValueType<List<java.net.InetSocketAddress>> hostPorts(int defaultPort) {
        ValueType<Optional<java.net.InetSocketAddress>> one = optionalHostPort(defaultPort);
        return list(new ValueType<>() {
            @Override
            public java.net.InetSocketAddress parse(String text) {
                java.net.InetSocketAddress a = one.parse(text).orElseThrow(() -> new IllegalArgumentException("empty item"));
                java.net.InetSocketAddress resolved = new java.net.InetSocketAddress(a.getHostString(), a.getPort());
                if (resolved.isUnresolved()) {
                    throw new IllegalArgumentException("cannot resolve " + a.getHostString());
                }
                return resolved;
            }

            @Override
            public String allowed() {
                return "host or host:port (e.g. 127.0.0.1:5353, [::1]:53)";
            }
        });
    }
}
