package org.postkontor.badmail;

import java.util.List;
import org.postkontor.store.BadmailStore.BadmailItem;

/**
 * What {@link BadmailQueue#show} returns: the item (envelope, reason, size) and the header block of
 * the original, parsed but not interpreted.
 *
 * @param headers          header fields in order, continuation lines unfolded
 * @param truncated        the header block was longer than
 *                         {@link BadmailConfig#maxHeaderBytes()}; {@code headers} holds what fit
 * @param malformedLines   lines in the header block that were neither a field nor a continuation
 *                         (skipped)
 */
public record BadmailDetail(BadmailItem item, List<Header> headers, boolean truncated, int malformedLines) {

    public BadmailDetail {
        headers = List.copyOf(headers);
    }

    /** The values of every field with this name (case-insensitive), in order. */
    public List<String> values(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).toList();
    }

    /**
     * One header field. {@code value} is unfolded (CRLF before whitespace removed), decoded as UTF-8
     * (RFC 6532) with malformed bytes replaced, and without the leading space; encoded-words
     * (RFC 2047) are left as they are.
     */
    public record Header(String name, String value) {}
}
