package org.postkontor.deliver;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * DNS look-ups through dnsjava, asking {@code dns.servers} when given (tests and closed networks
 * point it at their own server), else the system's resolver. No cache across calls beyond
 * dnsjava's own. Thread-safe.
 */
final class Dns {

    /** What a name's look-up gave: answers, no such name, or no answer now (try later). */
    sealed interface Answer<T> {
        record Found<T>(List<T> values) implements Answer<T> {}
        record NoSuchName<T>() implements Answer<T> {}
        record NoData<T>() implements Answer<T> {}
        record TryLater<T>(String why) implements Answer<T> {}
    }

    /** An MX record. */
    record Mx(int preference, String host) {}

    private final Resolver resolver;

    Dns(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) {
            this.resolver = new ExtendedResolver();
        } else {
            List<Resolver> rs = new ArrayList<>();
            for (InetSocketAddress s : servers) {
                rs.add(new SimpleResolver(s));
            }
            this.resolver = new ExtendedResolver(rs);
        }
        resolver.setTimeout(timeout);
    }

    /** The domain's MX records, lowest preference first. */
    Answer<Mx> mx(String domain) {
        Answer<Mx> a = lookup(domain, Type.MX, r -> {
            MXRecord m = (MXRecord) r;
            return new Mx(m.getPriority(), host(m.getTarget()));
        });
        if (a instanceof Answer.Found<Mx> f) {
            return new Answer.Found<>(f.values().stream().sorted(Comparator.comparingInt(Mx::preference)).toList());
        }
        return a;
    }

    Answer<InetAddress> addresses(String host) {
        Answer<InetAddress> v4 = lookup(host, Type.A, r -> ((ARecord) r).getAddress());
        Answer<InetAddress> v6 = lookup(host, Type.AAAA, r -> ((AAAARecord) r).getAddress());
        List<InetAddress> all = new ArrayList<>();
        if (v4 instanceof Answer.Found<InetAddress> f) {
            all.addAll(f.values());
        }
        if (v6 instanceof Answer.Found<InetAddress> f) {
            all.addAll(f.values());
        }
        if (!all.isEmpty()) {
            return new Answer.Found<>(all);
        }
        if (v4 instanceof Answer.TryLater<InetAddress> t) {
            return t;
        }
        return v4 instanceof Answer.NoSuchName<InetAddress> ? v4 : new Answer.NoData<>();
    }

    Answer<String> txt(String name) {
        return lookup(name, Type.TXT, r -> String.join("", ((TXTRecord) r).getStrings()));
    }

    private interface Convert<T> {
        T of(Record r);
    }

    private <T> Answer<T> lookup(String name, int type, Convert<T> convert) {
        Lookup l;
        try {
            l = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type);
        } catch (TextParseException e) {
            return new Answer.NoSuchName<>();
        }
        l.setResolver(resolver);
        l.setCache(null);
        Record[] rs = l.run();
        return switch (l.getResult()) {
            case Lookup.SUCCESSFUL -> {
                List<T> out = new ArrayList<>();
                for (Record r : rs) {
                    out.add(convert.of(r));
                }
                yield new Answer.Found<>(out);
            }
            case Lookup.HOST_NOT_FOUND -> new Answer.NoSuchName<>();
            case Lookup.TYPE_NOT_FOUND -> new Answer.NoData<>();
            default -> new Answer.TryLater<>(l.getErrorString());
        };
    }

    private static String host(Name n) {
        String s = n.toString();
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
