package org.postkontor.admin.autoconfig;

import org.postkontor.admin.api.ClientSetup;

/**
 * Thunderbird's autoconfig answer, {@code config-v1.1.xml} (Mozilla's "Autoconfiguration: config
 * file format"): one {@code emailProvider} for the domain with an {@code incomingServer} per POP3
 * server and an {@code outgoingServer} per submission server, user name {@code %EMAILADDRESS%}
 * (the login name is the full address), password over TLS only.
 */
final class ThunderbirdConfig {

    private ThunderbirdConfig() {}

    static byte[] xml(String domain, ClientSetup setup) {
        XmlOut x = new XmlOut();
        x.open("clientConfig", "version", "1.1");
        x.open("emailProvider", "id", domain);
        x.text("domain", domain);
        x.text("displayName", domain + " mail");
        x.text("displayShortName", domain);
        for (ClientSetup.Server s : setup.incoming()) {
            server(x, "incomingServer", "pop3", setup.mailHost(), s);
        }
        for (ClientSetup.Server s : setup.outgoing()) {
            server(x, "outgoingServer", "smtp", setup.mailHost(), s);
        }
        x.close();
        x.close();
        return x.bytes();
    }

    private static void server(XmlOut x, String element, String type, String host, ClientSetup.Server s) {
        x.open(element, "type", type);
        x.text("hostname", host);
        x.text("port", s.port());
        x.text("socketType", s.security().name());
        x.text("username", "%EMAILADDRESS%");
        x.text("authentication", "password-cleartext");
        x.close();
    }
}
