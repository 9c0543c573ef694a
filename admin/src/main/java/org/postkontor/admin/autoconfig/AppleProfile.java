package org.postkontor.admin.autoconfig;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.store.MailAddress;

/**
 * An Apple configuration profile ({@code .mobileconfig}, a property list) with one
 * {@code com.apple.mail.managed} payload: a POP account for one address on the POP3 server of the
 * {@link ClientSetup}, SSL on, password asked at install (the profile carries none), and the
 * outgoing server once submission is built. The payload UUIDs are derived from the address and the
 * host, so a downloaded profile replaces the one installed before instead of adding a second.
 */
public final class AppleProfile {

    public static final String CONTENT_TYPE = "application/x-apple-aspen-config";

    private AppleProfile() {}

    public static byte[] plist(MailAddress user, ClientSetup setup) {
        String address = user.toString();
        String id = reverse(setup.mailHost()) + ".mail." + address.replaceAll("[^A-Za-z0-9.-]", "-");
        XmlOut x = new XmlOut().dtd("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                + "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">");
        x.open("plist", "version", "1.0");
        x.open("dict");
        x.text("key", "PayloadContent");
        x.open("array");
        x.open("dict");
        entry(x, "EmailAccountDescription", address);
        entry(x, "EmailAccountType", "EmailTypePOP");
        entry(x, "EmailAddress", address);
        ClientSetup.Server in = setup.incoming().get(0);
        entry(x, "IncomingMailServerAuthentication", "EmailAuthPassword");
        entry(x, "IncomingMailServerHostName", setup.mailHost());
        x.text("key", "IncomingMailServerPortNumber").text("integer", in.port());
        x.text("key", "IncomingMailServerUseSSL").empty(in.security() == ClientSetup.Security.SSL ? "true" : "false");
        entry(x, "IncomingMailServerUsername", address);
        for (ClientSetup.Server out : setup.outgoing()) {
            entry(x, "OutgoingMailServerAuthentication", "EmailAuthPassword");
            entry(x, "OutgoingMailServerHostName", setup.mailHost());
            x.text("key", "OutgoingMailServerPortNumber").text("integer", out.port());
            x.text("key", "OutgoingMailServerUseSSL").empty("true");
            entry(x, "OutgoingMailServerUsername", address);
            x.text("key", "OutgoingPasswordSameAsIncomingPassword").empty("true");
        }
        entry(x, "PayloadDescription", "Mail account " + address);
        entry(x, "PayloadDisplayName", address);
        entry(x, "PayloadIdentifier", id + ".account");
        entry(x, "PayloadType", "com.apple.mail.managed");
        entry(x, "PayloadUUID", uuid(id + ".account"));
        x.text("key", "PayloadVersion").text("integer", 1);
        x.close();
        x.close();
        entry(x, "PayloadDescription", "Sets up " + address + " in Mail");
        entry(x, "PayloadDisplayName", "Mail: " + address);
        entry(x, "PayloadIdentifier", id);
        x.text("key", "PayloadRemovalDisallowed").empty("false");
        entry(x, "PayloadType", "Configuration");
        entry(x, "PayloadUUID", uuid(id));
        x.text("key", "PayloadVersion").text("integer", 1);
        x.close();
        x.close();
        return x.bytes();
    }

    private static void entry(XmlOut x, String key, String value) {
        x.text("key", key).text("string", value);
    }

    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString().toUpperCase(java.util.Locale.ROOT);
    }

    private static String reverse(String host) {
        String[] parts = host.split("\\.");
        StringBuilder b = new StringBuilder();
        for (int i = parts.length - 1; i >= 0; i--) {
            b.append(b.isEmpty() ? "" : ".").append(parts[i]);
        }
        return b.toString();
    }
}
