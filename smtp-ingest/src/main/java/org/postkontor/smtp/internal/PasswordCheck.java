package org.postkontor.smtp.internal;

import java.util.List;
import java.util.Optional;
import org.postkontor.smtp.Listener;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.auth.LoginAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.auth.MultipleAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.PlainAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.UsernamePasswordValidator;
import org.subethamail.smtp.server.Session;

/**
 * AUTH PLAIN and LOGIN (RFC 4954, RFC 4616) through SubEthaSMTP's handlers, checked by the
 * listener's {@link Listener.Authenticator}. Never on a connection without TLS: the listener
 * offers AUTH only after TLS, and a password that arrives without it is refused unchecked.
 */
public final class PasswordCheck implements UsernamePasswordValidator {

    private final Listener.Authenticator authenticator;

    private PasswordCheck(Listener.Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** PLAIN and LOGIN, in that order. */
    public static AuthenticationHandlerFactory factory(Listener.Authenticator authenticator) {
        PasswordCheck check = new PasswordCheck(authenticator);
        return new MultipleAuthenticationHandlerFactory(List.of(new PlainAuthenticationHandlerFactory(check),
                new LoginAuthenticationHandlerFactory(check)));
    }

    @Override
    public void login(String username, String password, MessageContext context) throws LoginFailedException {
        Session session = (Session) context;
        if (!session.isTLSStarted()) {
            throw new LoginFailedException("no TLS");
        }
        Connection conn = ((AdaptedSocket) session.getSocket()).connection();
        Optional<String> ok = authenticator.authenticate(username, password, conn.client().getAddress());
        if (ok.isEmpty()) {
            throw new LoginFailedException("refused");
        }
    }
}
