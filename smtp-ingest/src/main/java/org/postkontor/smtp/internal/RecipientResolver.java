package org.postkontor.smtp.internal;

import java.util.List;
import org.postkontor.badmail.ReasonKind;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Resolution;
import org.postkontor.store.StoreException;

/**
 * Turns the address of a RCPT command into where the mail goes. Everything that is not a plain
 * {@code local@hosted-domain} is refused: this appliance relays nothing, for anyone.
 * <ul>
 *   <li>source routes ({@code @a,@b:user@d}) are ignored as RFC 5321 §4.1.1.3 asks: the final
 *       address decides;</li>
 *   <li>{@code %} and {@code !} routing, quoted local parts holding {@code @}, several {@code @},
 *       IP-literal domains and domains not hosted here: 554 5.7.1;</li>
 *   <li>plus-addressing: {@code user+tag} is tried as {@code user} first (so that a domain's
 *       catch-all does not swallow tagged mail of an existing user), then as written.</li>
 * </ul>
 */
final class RecipientResolver {

    /** Where one recipient's mail goes. */
    sealed interface Outcome {}

    record Local(List<MailAddress> mailboxes) implements Outcome {}

    record ToBadmail(String kind) implements Outcome {}

    record Refused(Reply reply) implements Outcome {}

    private final Directory directory;
    private final SmtpConfig config;

    RecipientResolver(Directory directory, SmtpConfig config) {
        this.directory = directory;
        this.config = config;
    }

    Outcome resolve(String raw) throws StoreException {
        String a = raw.strip();
        if (a.startsWith("@")) {
            int colon = a.indexOf(':');
            if (colon < 0) {
                return new Refused(Reply.BAD_RECIPIENT_SYNTAX);
            }
            a = a.substring(colon + 1);
        }
        if (a.isEmpty() || a.length() > 320) {
            return new Refused(Reply.BAD_RECIPIENT_SYNTAX);
        }
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) {
            return new Refused(Reply.BAD_RECIPIENT_SYNTAX);
        }
        String local = a.substring(0, at);
        String domain = a.substring(at + 1);
        if (local.contains("@") || local.indexOf('%') >= 0 || local.indexOf('!') >= 0 || domain.startsWith("[")
                || local.startsWith("\"")) {
            return new Refused(Reply.RELAY_DENIED);
        }
        MailAddress address;
        try {
            address = new MailAddress(local, domain);
        } catch (IllegalArgumentException e) {
            return new Refused(Reply.BAD_RECIPIENT_SYNTAX);
        }
        // One directory read per RCPT: resolve answers NotHosted itself (no isHosted first).
        Resolution r = null;
        int sep = config.plusAddressing() ? address.localPart().indexOf(config.plusSeparator()) : -1;
        if (sep > 0) {
            MailAddress user = plain(address.localPart().substring(0, sep), address.domain());
            Resolution base = user == null ? null : directory.resolve(user);
            if (base instanceof Resolution.Local || base instanceof Resolution.NotHosted) {
                r = base;
            }
        }
        if (r == null) {
            r = directory.resolve(address);
        }
        return switch (r) {
            case Resolution.Local l -> new Local(l.mailboxes());
            case Resolution.UnknownUser u -> new Refused(Reply.UNKNOWN_USER);
            case Resolution.NotHosted n -> new Refused(Reply.RELAY_DENIED);
            case Resolution.ToBadmail b -> new ToBadmail(badmailKind(b.reason()));
        };
    }

    /** The address without its tag, or null when that is no valid address ({@code a.+x}: "a." is not). */
    private static MailAddress plain(String local, String domain) {
        try {
            return new MailAddress(local, domain);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The directory names the kind ({@code unknown_user}, {@code dangling_alias}); anything else is unknown_user. */
    private static String badmailKind(String reason) {
        return ReasonKind.KNOWN.contains(reason) ? reason : ReasonKind.UNKNOWN_USER;
    }
}
