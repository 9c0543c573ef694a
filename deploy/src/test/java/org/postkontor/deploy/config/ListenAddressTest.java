package org.postkontor.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SMTP and POP3 listen on {@code ::} (IPv6 and IPv4) by default, on {@code 0.0.0.0} where the host has no IPv6. */
class ListenAddressTest {

    @Test
    void dualStackByDefault() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.empty(), Map.of(), true);
        assertEquals("::", text(c.smtp()));
        assertEquals("::", text(c.pop3()));
        assertEquals("::", text(c.pop3s()));
        assertEquals("0:0:0:0:0:0:0:0", c.pop3Config().bindAddress());
        assertEquals("127.0.0.1", text(c.http()));
    }

    @Test
    void ipv4WhereTheHostHasNoIpv6() throws Exception {
        ApplianceConfig c = ApplianceConfig.load(Optional.empty(), Map.of(), false);
        assertEquals("0.0.0.0", text(c.smtp()));
        assertEquals("0.0.0.0", text(c.pop3()));
        assertEquals("0.0.0.0", c.pop3Config().bindAddress());
        assertEquals("0.0.0.0", c.smtpConfig().bindAddress().getHostAddress());
        ApplianceConfig all = ApplianceConfig.load(Optional.empty(), Map.of("POSTKONTOR_HTTP_BIND", "::"), false);
        assertEquals("0.0.0.0", text(all.http()), ":: is every address, whatever the listener");
    }

    @Test
    void otherAddressesAreKept() throws Exception {
        Map<String, String> env = Map.of("POSTKONTOR_SMTP_BIND", "127.0.0.1", "POSTKONTOR_POP3_BIND", "::1");
        ApplianceConfig c = ApplianceConfig.load(Optional.empty(), env, false);
        assertEquals("127.0.0.1", text(c.smtp()));
        assertEquals("::1", text(c.pop3()));
        ApplianceConfig v4 = ApplianceConfig.load(Optional.empty(), Map.of("POSTKONTOR_SMTP_BIND", "0.0.0.0"), true);
        assertEquals("0.0.0.0", text(v4.smtp()), "an explicit 0.0.0.0 stays IPv4 only");
    }

    private static String text(ApplianceConfig.Listener l) {
        String h = l.bind().getHostAddress();
        return h.equals("0:0:0:0:0:0:0:0") ? "::" : h.equals("0:0:0:0:0:0:0:1") ? "::1" : h;
    }
}
