package org.postkontor.admin.autoconfig;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.postkontor.admin.api.ClientSetup;

/**
 * Outlook's Autodiscover in its plain-old-XML form (Microsoft's [MS-OXDSCLI]): the request names an
 * {@code EMailAddress}; the answer is an {@code Account} of type {@code email} with action
 * {@code settings} and one {@code Protocol} per server: POP3 with {@code SSL on}, SMTP (once
 * submission is built) with {@code Encryption} SSL or TLS. The request is read with DTDs and
 * external entities off, and no further than its first {@code EMailAddress}.
 */
final class AutodiscoverPox {

    static final String RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    static final String OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    private AutodiscoverPox() {}

    /** The {@code EMailAddress} of a POX request, if it has one. */
    static Optional<String> emailAddress(InputStream request) throws IOException {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        try {
            XMLStreamReader r = f.createXMLStreamReader(request);
            try {
                while (r.hasNext()) {
                    if (r.next() == XMLStreamConstants.START_ELEMENT && r.getLocalName().equals("EMailAddress")) {
                        return Optional.of(r.getElementText().strip());
                    }
                }
                return Optional.empty();
            } finally {
                r.close();
            }
        } catch (XMLStreamException e) {
            return Optional.empty();
        }
    }

    static byte[] response(String email, ClientSetup setup) {
        XmlOut x = new XmlOut();
        x.open("Autodiscover", "xmlns", RESPONSE_NS);
        x.open("Response", "xmlns", OUTLOOK_NS);
        x.open("Account");
        x.text("AccountType", "email");
        x.text("Action", "settings");
        for (ClientSetup.Server s : setup.incoming()) {
            x.open("Protocol");
            x.text("Type", "POP3");
            common(x, email, setup.mailHost(), s);
            x.text("SSL", s.security() == ClientSetup.Security.SSL ? "on" : "off");
            if (s.security() == ClientSetup.Security.STARTTLS) {
                x.text("Encryption", "TLS");
            }
            x.close();
        }
        for (ClientSetup.Server s : setup.outgoing()) {
            x.open("Protocol");
            x.text("Type", "SMTP");
            common(x, email, setup.mailHost(), s);
            x.text("Encryption", s.security() == ClientSetup.Security.SSL ? "SSL" : "TLS");
            x.text("UsePOPAuth", "on");
            x.close();
        }
        x.close();
        x.close();
        x.close();
        return x.bytes();
    }

    private static void common(XmlOut x, String email, String host, ClientSetup.Server s) {
        x.text("Server", host);
        x.text("Port", s.port());
        x.text("LoginName", email);
        x.text("DomainRequired", "off");
        x.text("SPA", "off");
        x.text("AuthRequired", "on");
    }

    /** The error answer for a request without a usable address ([MS-OXDSCLI] error 600). */
    static byte[] invalidRequest() {
        XmlOut x = new XmlOut();
        x.open("Autodiscover", "xmlns", RESPONSE_NS);
        x.open("Response");
        x.open("Error", "Id", "0");
        x.text("ErrorCode", "600");
        x.text("Message", "Invalid Request");
        x.text("DebugData", "");
        x.close();
        x.close();
        x.close();
        return x.bytes();
    }
}
