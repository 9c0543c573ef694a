package org.postkontor.submit;

import java.util.List;
import java.util.Optional;
import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.StoreException;

/**
 * Which addresses a user may send as (envelope sender and header From): its own address, the same
 * with a plus tag ({@code user+tag@domain}), and every alias that delivers to it. Not a domain's
 * catch-all: that would let its user send as anyone of the domain.
 */
final class SenderPolicy {

    private final Administration admin;
    private final char plusSeparator;

    SenderPolicy(Administration admin, char plusSeparator) {
        this.admin = admin;
        this.plusSeparator = plusSeparator;
    }

    boolean owns(MailAddress user, String address) throws StoreException {
        MailAddress a;
        try {
            a = MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (a.equals(user)) {
            return true;
        }
        int plus = a.localPart().indexOf(plusSeparator);
        if (plus > 0 && a.domain().equals(user.domain())
                && a.localPart().substring(0, plus).equals(user.localPart())) {
            return true;
        }
        List<Administration.Alias> aliases = admin.aliases(Optional.of(a.domain()));
        return aliases.stream().anyMatch(al -> al.address().equals(a) && al.targets().contains(user));
    }
}
