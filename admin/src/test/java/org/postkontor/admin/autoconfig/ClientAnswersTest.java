package org.postkontor.admin.autoconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.store.MailAddress;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The three client-setup answers against the formats' published examples: the same elements in the
 * same places, in the right namespaces, with our values; POP3 always over TLS; submission appears
 * in every answer once it is announced ({@link ClientSetup#withSubmission}).
 */
class ClientAnswersTest {

    static final ClientSetup POP3S = ClientSetup.pop3s("mail.example.test", 995);
    static final ClientSetup WITH_SUBMISSION = POP3S.withSubmission(465, ClientSetup.Security.SSL);

    static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    static Document resource(String name) throws Exception {
        try (InputStream in = ClientAnswersTest.class.getResourceAsStream("/autoconfig/" + name)) {
            return parse(in.readAllBytes());
        }
    }

    /** Every element path (with the type attribute where there is one) under {@code e}. */
    static TreeSet<String> paths(Element e, String prefix, TreeSet<String> out) {
        String name = prefix + "/" + (e.getNamespaceURI() == null ? "" : "{" + e.getNamespaceURI() + "}")
                + e.getLocalName() + (e.hasAttribute("type") ? "[" + e.getAttribute("type") + "]" : "");
        out.add(name);
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                paths(c, name, out);
            }
        }
        return out;
    }

    static String text(Document d, String tag) {
        return d.getElementsByTagNameNS("*", tag).item(0).getTextContent();
    }

    @Test
    void thunderbirdAnswerHasThePublishedShape() throws Exception {
        Document ours = parse(ThunderbirdConfig.xml("example.test", WITH_SUBMISSION));
        Document example = resource("thunderbird-example.xml");
        assertEquals(paths(example.getDocumentElement(), "", new TreeSet<>()),
                paths(ours.getDocumentElement(), "", new TreeSet<>()));
        assertEquals("1.1", ours.getDocumentElement().getAttribute("version"));
        Element in = (Element) ours.getElementsByTagName("incomingServer").item(0);
        assertEquals("pop3", in.getAttribute("type"));
        assertEquals("mail.example.test", in.getElementsByTagName("hostname").item(0).getTextContent());
        assertEquals("995", in.getElementsByTagName("port").item(0).getTextContent());
        assertEquals("SSL", in.getElementsByTagName("socketType").item(0).getTextContent());
        assertEquals("%EMAILADDRESS%", in.getElementsByTagName("username").item(0).getTextContent());
    }

    @Test
    void withoutSubmissionNoOutgoingServerAndNothingPlaintext() throws Exception {
        String xml = new String(ThunderbirdConfig.xml("example.test", POP3S), StandardCharsets.UTF_8);
        assertFalse(xml.contains("outgoingServer"), xml);
        assertFalse(xml.contains(">plain<"), xml);
        String pox = new String(AutodiscoverPox.response("alice@example.test", POP3S), StandardCharsets.UTF_8);
        assertFalse(pox.contains("SMTP"), pox);
        assertTrue(pox.contains("<SSL>on</SSL>"), pox);
    }

    @Test
    void autodiscoverAnswerHasThePublishedShape() throws Exception {
        Document ours = parse(AutodiscoverPox.response("alice@example.test",
                POP3S.withSubmission(587, ClientSetup.Security.STARTTLS)));
        Document example = resource("autodiscover-pox-example.xml");
        assertEquals(paths(example.getDocumentElement(), "", new TreeSet<>()),
                paths(ours.getDocumentElement(), "", new TreeSet<>()));
        assertEquals("alice@example.test", text(ours, "LoginName"));
        assertEquals("mail.example.test", text(ours, "Server"));
        assertEquals("995", text(ours, "Port"));
    }

    @Test
    void autodiscoverRequestIsReadWithoutEntities() throws Exception {
        String request = """
                <?xml version="1.0" encoding="utf-8"?>
                <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
                  <Request>
                    <EMailAddress>alice@example.test</EMailAddress>
                    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
                  </Request>
                </Autodiscover>
                """;
        assertEquals(Optional.of("alice@example.test"),
                AutodiscoverPox.emailAddress(new ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8))));
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>";
        Optional<String> read = AutodiscoverPox.emailAddress(new ByteArrayInputStream(xxe.getBytes(StandardCharsets.UTF_8)));
        assertFalse(read.isPresent() && read.get().contains("root:"), "no external entity is read");
    }

    @Test
    void appleProfileIsAPopAccountOverSsl() throws Exception {
        Document d = parse(AppleProfile.plist(MailAddress.parse("alice@example.test"), POP3S));
        List<String> keys = new ArrayList<>();
        var ks = d.getElementsByTagName("key");
        for (int i = 0; i < ks.getLength(); i++) {
            keys.add(ks.item(i).getTextContent());
        }
        assertTrue(keys.containsAll(List.of("EmailAccountType", "IncomingMailServerHostName",
                "IncomingMailServerPortNumber", "IncomingMailServerUseSSL", "PayloadType", "PayloadUUID")), keys.toString());
        String xml = new String(AppleProfile.plist(MailAddress.parse("alice@example.test"), POP3S), StandardCharsets.UTF_8);
        assertTrue(xml.contains("<string>EmailTypePOP</string>"));
        assertTrue(xml.matches("(?s).*<key>IncomingMailServerUseSSL</key>\\s*<true/>.*"), xml);
        assertTrue(xml.contains("<string>com.apple.mail.managed</string>"));
        assertEquals(new String(AppleProfile.plist(MailAddress.parse("alice@example.test"), POP3S), StandardCharsets.UTF_8),
                xml, "the same profile every time: installing it again replaces it");
        assertTrue(new String(AppleProfile.plist(MailAddress.parse("alice@example.test"), WITH_SUBMISSION),
                StandardCharsets.UTF_8).matches("(?s).*<key>OutgoingMailServerPortNumber</key>\\s*<integer>465</integer>.*"));
    }
}
