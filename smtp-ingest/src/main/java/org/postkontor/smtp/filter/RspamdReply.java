package org.postkontor.smtp.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * rspamd's {@code /checkv2} JSON as a {@link Verdict}: {@code action}, {@code score},
 * {@code messages.smtp_message}, {@code subject} (rewrite subject), the names under
 * {@code symbols}, and the {@code milter} block ({@code add_headers}: name → {@code {value, order}}
 * or a list of them, or a plain string; {@code remove_headers}: name → occurrence). Added fields are
 * ordered by {@code order} (absent or negative: after the ordered ones), then as listed. A field
 * rspamd names that cannot be written safely is dropped, never passed on.
 */
final class RspamdReply {

    /** Bounds on what is taken from an answer (rspamd's stock answers are far below). */
    static final int MAX_HEADERS = 64;
    static final int MAX_HEADER_VALUE = 16 * 1024;
    static final int MAX_SYMBOLS = 1024;

    private RspamdReply() {}

    static Verdict parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode actionNode = root.get("action");
        if (actionNode == null || !actionNode.isTextual()) {
            throw new IllegalArgumentException("no action");
        }
        Verdict.Action action = Verdict.Action.parse(actionNode.asText())
                .orElseThrow(() -> new IllegalArgumentException("unknown action"));
        JsonNode scoreNode = root.get("score");
        double score = scoreNode != null && scoreNode.isNumber() ? scoreNode.asDouble() : 0;
        Optional<String> message = text(root.path("messages").get("smtp_message"));
        Optional<String> subject = text(root.get("subject"));

        Set<String> symbols = new LinkedHashSet<>();
        root.path("symbols").fieldNames().forEachRemaining(n -> {
            if (symbols.size() < MAX_SYMBOLS) {
                symbols.add(n);
            }
        });

        record Ordered(int order, int seq, Verdict.HeaderField field) {}
        List<Ordered> add = new ArrayList<>();
        JsonNode milter = root.path("milter");
        for (Map.Entry<String, JsonNode> e : milter.path("add_headers").properties()) {
            List<JsonNode> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(values::add);
            } else {
                values.add(e.getValue());
            }
            for (JsonNode v : values) {
                Optional<String> value = v.isTextual() ? Optional.of(v.asText()) : text(v.get("value"));
                int order = v.path("order").isInt() ? v.path("order").asInt() : -1;
                if (value.isEmpty() || add.size() >= MAX_HEADERS || value.get().length() > MAX_HEADER_VALUE) {
                    continue;
                }
                try {
                    add.add(new Ordered(order < 0 ? Integer.MAX_VALUE : order, add.size(),
                            new Verdict.HeaderField(e.getKey(), folded(value.get()))));
                } catch (IllegalArgumentException unsafe) {
                    // a name or value that could add a header of its own: never written
                }
            }
        }
        add.sort(Comparator.comparingInt(Ordered::order).thenComparingInt(Ordered::seq));
        Map<String, Integer> remove = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : milter.path("remove_headers").properties()) {
            if (remove.size() < MAX_HEADERS && e.getValue().canConvertToInt()) {
                remove.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asInt());
            }
        }
        return new Verdict(action, score, message, add.stream().map(Ordered::field).toList(), remove, subject, symbols);
    }

    private static Optional<String> text(JsonNode n) {
        return n != null && n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
    }

    /** rspamd folds with {@code \r\n\t} (or a bare {@code \n\t}): every line break becomes CRLF. */
    static String folded(String v) {
        return v.replace("\r\n", "\n").replace("\n", "\r\n");
    }
}
