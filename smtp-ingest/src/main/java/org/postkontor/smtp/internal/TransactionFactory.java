package org.postkontor.smtp.internal;

import org.postkontor.badmail.BadmailIntake;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.filter.Filtering;
import org.postkontor.store.Directory;
import org.postkontor.store.Spool;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.MessageHandlerFactory;
import org.subethamail.smtp.server.Session;

/** SubEthaSMTP's {@link MessageHandlerFactory}: one {@link Transaction} per MAIL command. */
public final class TransactionFactory implements MessageHandlerFactory {

    private final SmtpConfig config;
    private final SmtpMetrics metrics;
    private final RecipientResolver resolver;
    private final Spool spool;
    private final BadmailIntake badmail;
    private final Screening screening;

    public TransactionFactory(SmtpConfig config, SmtpMetrics metrics, Directory directory, Spool spool,
                              BadmailIntake badmail, Filtering filtering) {
        this.config = config;
        this.metrics = metrics;
        this.resolver = new RecipientResolver(directory, config);
        this.spool = spool;
        this.badmail = badmail;
        this.screening = new Screening(filtering, metrics);
    }

    @Override
    public MessageHandler create(MessageContext context) {
        return new Transaction((Session) context, config, metrics, resolver, spool, badmail, screening);
    }

    /** MAIL FROM check: the null sender, or an address without spaces, controls or angle brackets. */
    public static boolean validSender(String address) {
        if (address.isEmpty()) {
            return true;
        }
        if (address.length() > 320 || address.indexOf('@') <= 0 || address.endsWith("@")) {
            return false;
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }
}
