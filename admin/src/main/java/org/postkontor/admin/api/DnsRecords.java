package org.postkontor.admin.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The DNS records a hosted domain publishes so that mail reaches this server and mail clients set
 * themselves up: MX, the {@code autoconfig.} and {@code autodiscover.} names (Thunderbird, Outlook,
 * both served by the autoconfig listener), Outlook's {@code _autodiscover._tcp} SRV, and an RFC
 * 6186 SRV record for every server of the {@link ClientSetup}. Lines in zone-file syntax, one
 * {@link Record} each, so an admin pastes them as they are.
 */
public final class DnsRecords {

    /** One record: owner name, type and data as in a zone file, and what it is for. */
    public record Record(String name, String type, String value, String purpose) {
        public String zoneLine() {
            return name + " IN " + type + " " + value;
        }
    }

    private DnsRecords() {}

    public static List<Record> of(String domain, ClientSetup setup) {
        String host = setup.mailHost() + ".";
        String d = domain + ".";
        List<Record> out = new ArrayList<>();
        out.add(new Record(d, "MX", "10 " + host, "mail for " + domain + " goes to this server"));
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

    private static Record srv(String d, String host, ClientSetup.Server s) {
        return new Record(s.srvService() + "._tcp." + d, "SRV", "0 1 " + s.port() + " " + host,
                "RFC 6186: " + s.protocol() + " on port " + s.port() + " (" + s.security() + ")");
    }
}
