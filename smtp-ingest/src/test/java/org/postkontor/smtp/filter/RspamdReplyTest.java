package org.postkontor.smtp.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postkontor.smtp.filter.Verdict.Action;
import org.postkontor.smtp.filter.Verdict.HeaderField;

/** rspamd's /checkv2 answers (as rspamd 3.4 writes them) turned into verdicts. */
class RspamdReplyTest {

    private static Verdict parse(String json) throws Exception {
        return RspamdReply.parse(new ObjectMapper().readTree(json));
    }

    @Test
    void aTaggedMessageWithMilterHeaders() throws Exception {
        Verdict v = parse("""
                {"is_skipped":false,"score":7.1,"required_score":15.0,"action":"add header",
                 "symbols":{"R_SPF_FAIL":{"score":1.0},"DMARC_POLICY_QUARANTINE":{"score":1.5}},
                 "messages":{},
                 "milter":{"add_headers":{
                   "X-Spam-Status":{"value":"Yes, score=7.10","order":-1},
                   "Authentication-Results":{"value":"mx;\\r\\n\\tspf=fail smtp.mailfrom=shop.test","order":1},
                   "X-Spam":"Yes"},
                  "remove_headers":{"X-Spam-Status":0,"X-Spam":0,"Authentication-Results":0}}}""");
        assertEquals(Action.ADD_HEADER, v.action());
        assertEquals(7.1, v.score());
        assertEquals(List.of(new HeaderField("Authentication-Results", "mx;\r\n\tspf=fail smtp.mailfrom=shop.test"),
                new HeaderField("X-Spam-Status", "Yes, score=7.10"), new HeaderField("X-Spam", "Yes")), v.addHeaders());
        assertEquals(Map.of("x-spam-status", 0, "x-spam", 0, "authentication-results", 0), v.removeHeaders());
        assertEquals(java.util.Set.of("R_SPF_FAIL", "DMARC_POLICY_QUARANTINE"), v.symbols());
    }

    @Test
    void rejectWithItsMessageAndRewriteSubject() throws Exception {
        assertEquals(Optional.of("Gtube pattern"),
                parse("{\"action\":\"reject\",\"score\":15,\"messages\":{\"smtp_message\":\"Gtube pattern\"}}").message());
        Verdict v = parse("{\"action\":\"rewrite subject\",\"score\":8,\"subject\":\"[SPAM] hi\"}");
        assertEquals(Action.REWRITE_SUBJECT, v.action());
        assertEquals(Optional.of("[SPAM] hi"), v.subject());
        assertEquals(Action.SOFT_REJECT, parse("{\"action\":\"soft reject\"}").action());
    }

    @Test
    void headersThatCouldInjectALineAreDropped() throws Exception {
        Verdict v = parse("""
                {"action":"no action","score":0,"milter":{"add_headers":{
                  "X-Bad":{"value":"a\\rInjected: b"},"Bad Name":"x","X-Good":{"value":"fine\\n\\tfolded"}}}}""");
        assertEquals(List.of(new HeaderField("X-Good", "fine\r\n\tfolded")), v.addHeaders());
    }

    @Test
    void nonsenseIsNoVerdict() {
        assertThrows(IllegalArgumentException.class, () -> parse("{\"score\":1}"));
        assertThrows(IllegalArgumentException.class, () -> parse("{\"action\":\"explode\"}"));
        assertThrows(IllegalArgumentException.class, () -> parse("[]"));
    }
}
