package org.postkontor.admin.api;

import java.util.ArrayList;
import java.util.List;
import org.postkontor.store.DkimKey;

/**
 * The DNS records a hosted domain publishes so that mail reaches this server, the mail it sends is
 * trusted, and mail clients set themselves up: MX, SPF (RFC 7208), one DKIM key record per signing
 * key (RFC 6376, RFC 8463), DMARC (RFC 7489), MTA-STS (RFC 8461) with TLS reporting (RFC 8460), the
 * {@code autoconfig.} and {@code autodiscover.} names (Thunderbird, Outlook, both served by the
 * autoconfig listener), Outlook's {@code _autodiscover._tcp} SRV, and an RFC 6186 SRV record for
 * every server of the {@link ClientSetup}. Lines in zone-file syntax, one {@link Record} each, so an
 * admin pastes them as they are; a new kind of record is one more line in {@link #of}.
 */
public final class DnsRecords {

    /** One record: owner name, type and data as in a zone file, and what it is for. */
    public record Record(String name, String type, String value, String purpose) {
        public String zoneLine() {
            return name + " IN " + type + " " + value;
        }
    }

    private DnsRecords() {}

    /**
     * @param keys  the DKIM keys mail of the domain is signed with (none yet: a hint instead)
     * @param stsId the MTA-STS policy id (changes when the policy does)
     */
    public static List<Record> of(String domain, ClientSetup setup, List<DkimKey> keys, String stsId) {
        String mailHost = setup.mailHost();
        String host = mailHost + ".";
        String d = domain + ".";
        List<Record> out = new ArrayList<>();
        out.add(new Record(d, "MX", "10 " + host, "mail for " + domain + " goes to this server"));
        out.add(new Record(d, "TXT", quoted("v=spf1 mx -all"),
                "SPF: only this domain's MX (this server) sends its mail"));
        for (DkimKey k : keys) {
            out.add(dkim(k));
        }
        if (keys.isEmpty()) {
            out.add(new Record("default._domainkey." + d, "TXT", quoted("v=DKIM1; p="),
                    "no DKIM key yet: `postkontor admin domain dkim " + domain + "` makes them, then this"
                            + " command prints their records"));
        }
        out.add(new Record("_dmarc." + d, "TXT", quoted("v=DMARC1; p=quarantine; adkim=s; aspf=s"),
                "DMARC: receivers quarantine mail From " + domain + " that fails SPF and DKIM alignment"
                        + " (start with p=none to watch first)"));
        out.add(new Record("_mta-sts." + d, "TXT", quoted("v=STSv1; id=" + stsId),
                "MTA-STS: senders fetch https://mta-sts." + domain + "/.well-known/mta-sts.txt (serve it with"
                        + " version: STSv1, mode: testing, mx: " + mailHost + ", max_age: 86400; enforce once"
                        + " reports are clean)"));
        out.add(new Record("mta-sts." + d, "CNAME", host,
                "the MTA-STS policy host (its HTTPS certificate must name mta-sts." + domain + ")"));
        out.add(new Record("_smtp._tls." + d, "TXT", quoted("v=TLSRPTv1; rua=mailto:postmaster@" + domain),
                "TLS reporting (RFC 8460): senders report TLS failures to postmaster"));
        out.add(new Record("autoconfig." + d, "CNAME", host, "Thunderbird (and others) fetch their settings here"));
        out.add(new Record("autodiscover." + d, "CNAME", host, "Outlook fetches its settings here"));
        out.add(new Record("_autodiscover._tcp." + d, "SRV", "0 0 443 " + host,
                "Outlook's fallback when autodiscover." + domain + " has no matching certificate"));
        for (ClientSetup.Server s : setup.incoming()) {
            out.add(srv(d, host, s));
        }
        for (ClientSetup.Server s : setup.outgoing()) {
            out.add(srv(d, host, s));
        }
        return out;
    }

    /** The key record of one DKIM key. */
    public static Record dkim(DkimKey k) {
        return new Record(k.recordName() + ".", "TXT", quoted(k.recordValue()), "DKIM key " + k.selector() + " ("
                + k.algorithm().tag() + ") that this server signs " + k.domain() + "'s mail with");
    }

    private static Record srv(String d, String host, ClientSetup.Server s) {
        return new Record(s.srvService() + "._tcp." + d, "SRV", "0 1 " + s.port() + " " + host,
                "RFC 6186: " + s.protocol() + " on port " + s.port() + " (" + s.security() + ")");
    }

    /** A TXT value in quoted strings of at most 255 characters (RFC 1035 §3.3.14). */
    public static String quoted(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); i += 255) {
            if (i > 0) {
                b.append(' ');
            }
            b.append('"').append(text, i, Math.min(text.length(), i + 255)).append('"');
        }
        return b.toString();
    }
}
