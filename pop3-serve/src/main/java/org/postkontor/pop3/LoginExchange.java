package org.postkontor.pop3;

import java.nio.charset.StandardCharsets;

/** SASL LOGIN (draft-murchison-sasl-login): asks "Username:", then "Password:". */
final class LoginExchange implements SaslExchange {

    private static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);

    private String login;

    @Override
    public String label() {
        return "login";
    }

    @Override
    public SaslStep start(byte[] initialResponse) {
        if (initialResponse == null) {
            return new SaslStep.Challenge(USERNAME);
        }
        return respond(initialResponse);
    }

    @Override
    public SaslStep respond(byte[] r) {
        if (login == null) {
            String name = PlainExchange.utf8(r);
            if (name == null || name.isEmpty() || name.indexOf(0) >= 0) {
                return new SaslStep.Failed(null, false, "malformed LOGIN user name");
            }
            login = name;
            return new SaslStep.Challenge(PASSWORD);
        }
        char[] password = PlainExchange.utf8Chars(r);
        java.util.Arrays.fill(r, (byte) 0);
        if (password == null) {
            return new SaslStep.Failed(login, false, "malformed LOGIN password");
        }
        return new SaslStep.Credentials(login, password);
    }
}
