package org.postkontor.admin.autoconfig;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * An indented XML document written with the JDK's StAX writer (which escapes text and attribute
 * values): the three client-setup formats are small trees of elements with text. Not thread-safe;
 * one per answer.
 */
final class XmlOut {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final XMLStreamWriter w;
    private int depth;

    XmlOut() {
        try {
            w = XMLOutputFactory.newFactory().createXMLStreamWriter(bytes, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
    }

    XmlOut dtd(String doctype) {
        return run(() -> {
            w.writeCharacters("\n");
            w.writeDTD(doctype);
        });
    }

    /** Opens an element; {@code attributes} in name, value pairs ({@code xmlns} included). */
    XmlOut open(String name, String... attributes) {
        return run(() -> {
            indent();
            w.writeStartElement(name);
            for (int i = 0; i < attributes.length; i += 2) {
                w.writeAttribute(attributes[i], attributes[i + 1]);
            }
            depth++;
        });
    }

    XmlOut close() {
        return run(() -> {
            depth--;
            indent();
            w.writeEndElement();
        });
    }

    /** {@code <name>text</name>} on one line. */
    XmlOut text(String name, Object text) {
        return run(() -> {
            indent();
            w.writeStartElement(name);
            w.writeCharacters(String.valueOf(text));
            w.writeEndElement();
        });
    }

    /** {@code <name/>}, e.g. a plist's {@code <true/>}. */
    XmlOut empty(String name) {
        return run(() -> {
            indent();
            w.writeEmptyElement(name);
        });
    }

    byte[] bytes() {
        run(() -> {
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        });
        return bytes.toByteArray();
    }

    String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws XMLStreamException;
    }

    private XmlOut run(Step s) {
        try {
            s.run();
            return this;
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write XML", e);
        }
    }

    private void indent() throws XMLStreamException {
        w.writeCharacters("\n" + "  ".repeat(depth));
    }
}
